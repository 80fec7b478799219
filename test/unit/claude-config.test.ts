import { describe, expect, test } from "bun:test";
import { defaultConfigPath, lineColumn, parseConfig } from "../../src/setup/claude-config.ts";

const P = "/home/u/c.json";

function errorOf(text: string): string {
  try {
    parseConfig(P, text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("parseConfig accepted it");
}

describe("defaultConfigPath", () => {
  test("is Application Support on macOS, ~/.config on Linux, and honours an absolute XDG_CONFIG_HOME", () => {
    expect(defaultConfigPath({ platform: "darwin", home: "/Users/u" })).toBe("/Users/u/Library/Application Support/Claude/claude_desktop_config.json");
    expect(defaultConfigPath({ platform: "linux", home: "/home/u" })).toBe("/home/u/.config/Claude/claude_desktop_config.json");
    expect(defaultConfigPath({ platform: "linux", home: "/home/u", xdgConfigHome: "/x" })).toBe("/x/Claude/claude_desktop_config.json");
    // The XDG spec says a relative value is invalid and must be ignored.
    expect(defaultConfigPath({ platform: "linux", home: "/home/u", xdgConfigHome: "rel" })).toBe("/home/u/.config/Claude/claude_desktop_config.json");
  });
});

describe("parseConfig", () => {
  test("gives LINE:COLUMN of the first syntax error, counting CRLF lines once", () => {
    expect(lineColumn("a\r\nbc", 4)).toBe("2:2");
    expect(errorOf('{\n  "mcpServers": {\n    "a": {"command": "x",}\n  }\n}')).toBe(`${P}:3:26: invalid JSON: expected a property name in double quotes (a trailing comma?)`);
    expect(errorOf('{\n  // note\n  "mcpServers": {}\n}')).toStartWith(`${P}:2:3: invalid JSON: comments are not allowed in JSON`);
    expect(errorOf('{"mcpServers": {}} x')).toStartWith(`${P}:1:20: invalid JSON`);
    expect(errorOf("")).toBe(`${P}:1:1: invalid JSON: expected a value`);
  });

  test("names what is wrong with a file that is JSON but not of Claude Desktop's shape", () => {
    expect(errorOf("[]")).toBe(`${P}:1:1: expected a JSON object at the top, found an array`);
    expect(errorOf('{\n  "other": 1\n}')).toBe(`${P}:1:1: no "mcpServers" object (Claude Desktop's servers live there)`);
    expect(errorOf('{"mcpServers": []}')).toBe(`${P}:1:16: "mcpServers" must be an object, found an array`);
    expect(errorOf('{"mcpServers": {"a": "npx"}}')).toBe(`${P}:1:22: mcpServers.a must be an object, found a string`);
    expect(errorOf('{"mcpServers": {"a": {"command": "x", "env": null}}}')).toBe(`${P}:1:46: mcpServers.a.env must be an object, found null`);
    expect(errorOf('{"mcpServers": {"a": {"command": ["x"]}}}')).toContain("mcpServers.a.command must be a string");
  });

  test("sorts entries into local, remote (url or an HTTP type), disabled and other", () => {
    const { servers } = parseConfig(
      P,
      JSON.stringify({
        mcpServers: {
          l: { command: "npx", env: { A: "1" } },
          u: { url: "https://x.example/mcp" },
          t: { type: "streamable-http", command: "ignored" },
          d: { command: "npx", disabled: true },
          e: { command: "npx", enabled: false },
          o: { args: [] },
        },
      }),
    );
    expect(servers.map((s) => [s.name, s.kind])).toEqual([
      ["l", "local"],
      ["u", "remote"],
      ["t", "remote"],
      ["d", "disabled"],
      ["e", "disabled"],
      ["o", "other"],
    ]);
    expect(servers[0]!.env).toEqual({ A: "1" });
  });
});
