import { describe, expect, test } from "bun:test";
import { ConfigError, nameProblem, parseServersConfig, sameDefinition } from "../../src/servers/servers-config.ts";

const parse = (value: unknown) => parseServersConfig(typeof value === "string" ? value : JSON.stringify(value), "/etc/mcp");
const problem = (value: unknown): string => {
  try {
    parse(value);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("parsed without an error");
};

describe("parseServersConfig", () => {
  test("reads the Claude Desktop shape into argv, env, cwd and maxSessions, in file order", () => {
    const { servers, skipped } = parse({
      mcpServers: {
        github: { command: "npx", args: ["-y", "@modelcontextprotocol/server-github"], env: { GITHUB_TOKEN: "t" } },
        files: { type: "stdio", command: "node", cwd: "work", maxSessions: 2 },
        abs: { command: "x", cwd: "/srv/x" },
      },
      globalShortcut: "ignored",
    });
    expect(skipped).toEqual([]);
    expect(servers).toEqual([
      { name: "github", argv: ["npx", "-y", "@modelcontextprotocol/server-github"], env: { GITHUB_TOKEN: "t" }, cwd: undefined, maxSessions: undefined },
      { name: "files", argv: ["node"], env: {}, cwd: "/etc/mcp/work", maxSessions: 2 },
      { name: "abs", argv: ["x"], env: {}, cwd: "/srv/x", maxSessions: undefined },
    ]);
  });

  test("skips disabled and remote entries with a reason instead of trying to spawn them", () => {
    const { servers, skipped } = parse({
      mcpServers: {
        off: { command: "x", disabled: true },
        remote: { url: "https://example.com/mcp" },
        sse: { type: "sse", url: "https://example.com/sse" },
        http: { type: "http", url: "https://example.com/mcp" },
        on: { command: "x", disabled: false },
      },
    });
    expect(servers.map((def) => def.name)).toEqual(["on"]);
    expect(skipped.map((entry) => entry.name)).toEqual(["off", "remote", "sse", "http"]);
    expect(skipped[0]!.reason).toBe("disabled");
    expect(skipped[1]!.reason).toContain("remote");
  });

  test("refuses a name that is not one plain URL segment, naming it and saying why", () => {
    for (const name of ["a b", "a/b", "ä", "", "..", ".", "x".repeat(65), "a?b", "%2e"]) {
      const message = problem({ mcpServers: { [name]: { command: "x" } } });
      expect(message).toContain("is refused");
      expect(nameProblem(name)).toBeString();
    }
    expect(problem({ mcpServers: { "my server": { command: "x" } } })).toBe(
      `server name "my server" is refused: a name may hold only letters, digits, '.', '_' and '-' (it becomes part of a URL)`,
    );
    for (const name of ["github", "a.b_c-D9", "..x"]) expect(nameProblem(name)).toBeUndefined();
  });

  test("refuses files that are not the config shape with a message saying what is wrong", () => {
    expect(problem("{not json")).toStartWith("not valid JSON");
    expect(problem([])).toContain(`"mcpServers"`);
    expect(problem({ servers: {} })).toContain(`no "mcpServers"`);
    expect(problem({ mcpServers: [] })).toContain("must be an object");
    expect(problem({ mcpServers: { a: "npx" } })).toBe(`server "a": expected an object with "command"`);
    expect(problem({ mcpServers: { a: {} } })).toBe(`server "a": "command" must be a non-empty string`);
    expect(problem({ mcpServers: { a: { command: "x", args: "-y" } } })).toBe(`server "a": "args" must be an array of strings`);
    expect(problem({ mcpServers: { a: { command: "x", cwd: 3 } } })).toContain(`"cwd"`);
    expect(problem({ mcpServers: { a: { command: "x", maxSessions: 0 } } })).toContain(`"maxSessions"`);
    expect(problem({ mcpServers: { a: { command: "x", type: "websocket" } } })).toContain(`unknown "type"`);
  });

  test("names a bad env key but never shows an env value, which is often a secret", () => {
    const message = problem({ mcpServers: { a: { command: "x", env: { API_KEY: 12345678, OTHER: "sk-secret-value" } } } });
    expect(message).toBe(`server "a": "env" value of "API_KEY" must be a string`);
    expect(message).not.toContain("12345678");
    expect(message).not.toContain("sk-secret-value");
  });

  test("sameDefinition tells a changed entry from an unchanged one", () => {
    const one = parse({ mcpServers: { a: { command: "x", env: { K: "1" } } } }).servers[0]!;
    expect(sameDefinition(one, parse({ mcpServers: { a: { command: "x", env: { K: "1" } } } }).servers[0]!)).toBe(true);
    expect(sameDefinition(one, parse({ mcpServers: { a: { command: "x", env: { K: "2" } } } }).servers[0]!)).toBe(false);
  });
});
