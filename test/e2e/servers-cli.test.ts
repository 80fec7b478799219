/**
 * --config on the real command line: the banner lists every bridged URL, beside --sse too;
 * a file that is missing or invalid at start, or a refused name, is a one-line error and exit 2
 * before anything listens.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { OptionsError, start } from "../../src/index.ts";
import { runCli } from "../helpers/cli.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { connectClient, serversFile } from "../helpers/servers-file.ts";
import { within } from "../helpers/wait.ts";

const command = (argv: string[]) => ({ command: argv[0], args: argv.slice(1) });
const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

describe("mcp-proxy --config", () => {
  test("lists every bridged URL in the banner and serves them beside --sse's /mcp", async () => {
    using file = serversFile({ alpha: command(echoServer()), "beta.2": command(echoServer()), off: { command: "x", disabled: true } });
    await using cli = runCli(["-p", "0", "--config", file.path, "--sse", ...echoServer()]);
    const url = `http://127.0.0.1:${await cli.port()}`;
    const banner = cli.stderr();
    for (const name of ["alpha", "beta.2"]) {
      expect(banner).toMatch(new RegExp(`  ${name.replace(".", "\\.")} +${url}/servers/${name}/mcp +${url}/servers/${name}/sse\\n`));
    }
    expect(banner).toContain(`${url}/mcp`);
    expect(banner).toContain(`${url}/sse`);
    expect(banner).toContain(`server "off" skipped: disabled`);
    expect(banner).not.toContain(`${url}/servers/off/`);
    for (const target of [`${url}/servers/beta.2/mcp`, `${url}/mcp`]) {
      await using client = await connectClient(target);
      expect(text(await client.callTool({ name: "echo", arguments: { message: target } }))).toBe(`Echo: ${target}`);
    }
  }, 20_000);

  for (const [what, setup, message] of [
    ["a missing file", (path: string) => `${path}.missing`, /^Error: --config \S+\.missing: no such file\n$/],
    ["a file that is not JSON", (path: string) => (writeFileSync(path, "{"), path), /^Error: --config \S+: not valid JSON/],
    [
      "a refused name",
      (path: string) => (writeFileSync(path, JSON.stringify({ mcpServers: { "my server": { command: "x" } } })), path),
      /^Error: --config \S+: server name "my server" is refused: a name may hold only letters, digits/,
    ],
  ] as const) {
    test(`refuses ${what} at start with a one-line error and exit 2`, async () => {
      using file = serversFile({});
      const path = setup(file.path);
      await using cli = runCli(["-p", "0", "--config", path]);
      expect(await within(cli.exited, 10_000, "mcp-proxy to exit")).toBe(2);
      expect(cli.stderr()).toMatch(message);
      expect(cli.stderr()).not.toContain("listening on");
    });
  }

  test("start() rejects with OptionsError for a refused name, so an embedder can tell it from a bind failure", async () => {
    using file = serversFile({ "a/b": { command: "x" } });
    const error = await start({ port: 0, config: file.path }).then(
      async (handle) => {
        await handle.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).message).toContain(`server name "a/b" is refused`);
  });
});
