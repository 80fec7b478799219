/**
 * A broken named server breaks only itself: a command that does not exist, a server that exits
 * at once, and one that never answers initialize each fail their own client promptly, through
 * the SDK's Streamable HTTP and SSE clients, with one error line naming the server; the other
 * server of the same file keeps answering.
 */
import { describe, expect, test } from "bun:test";
import { echoServer } from "../helpers/mcp-servers.ts";
import { startTestProxy, type TestProxy } from "../helpers/proxy.ts";
import { connectClient, serversFile } from "../helpers/servers-file.ts";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { waitFor, within } from "../helpers/wait.ts";

const command = (argv: string[]) => ({ command: argv[0], args: argv.slice(1) });
const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

/** The SDK client's connect on `url` must fail, and soon: its error's message. */
async function connectFails(url: string): Promise<string> {
  const outcome = await within(
    connectClient(url).then(
      async (client) => {
        await client[Symbol.asyncDispose]();
        return undefined;
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    ),
    8000,
    `the client on ${url} to give up`,
  );
  if (outcome === undefined) throw new Error(`connecting to ${url} succeeded`);
  return outcome;
}

async function stillWorks(proxy: TestProxy): Promise<void> {
  for (const transport of ["mcp", "sse"]) {
    await using client = await connectClient(`${proxy.url}/servers/ok/${transport}`);
    expect(text(await client.callTool({ name: "echo", arguments: { message: "still here" } }))).toBe("Echo: still here");
  }
}

const errors = (proxy: TestProxy) => proxy.logs.filter((line) => line.includes("[ERROR]"));

describe("a broken named server", () => {
  test("whose command does not exist fails its clients at once with the spawn error, one log line each, and no secret", async () => {
    using file = serversFile({ github: { command: "mcp-proxy-no-such-command", env: { TOKEN: "sk-never-shown" } }, ok: command(echoServer()) });
    await using proxy = await startTestProxy({ config: file.path });
    // /mcp: a JSON-RPC error body, which the SDK shows as it is; /sse: the 502 before any stream.
    const viaMcp = await connectFails(`${proxy.url}/servers/github/mcp`);
    expect(viaMcp).toContain(`server \\"github\\": spawn mcp-proxy-no-such-command ENOENT`);
    expect(await connectFails(`${proxy.url}/servers/github/sse`)).toContain("502");
    expect(errors(proxy)).toHaveLength(2);
    for (const line of errors(proxy)) expect(line).toMatch(/\[ERROR\] server "github": spawn mcp-proxy-no-such-command ENOENT/);
    await stillWorks(proxy);
    expect(proxy.logs.join("")).not.toContain("sk-never-shown");
    expect(viaMcp).not.toContain("sk-never-shown");
  }, 20_000);

  test("that exits at once fails its clients at once with a JSON-RPC error, on /mcp and on /sse", async () => {
    using file = serversFile({ crash: command([process.execPath, "-e", "process.exit(3)"]), ok: command(echoServer()) });
    await using proxy = await startTestProxy({ config: file.path });
    expect(await connectFails(`${proxy.url}/servers/crash/mcp`)).toMatch(/-32603.*exited before answering/);
    // On /sse the child may be gone before the client's initialize arrives: the session has
    // ended by then, and the POST gets 404. Either way the client fails at once, not at its timeout.
    expect(await connectFails(`${proxy.url}/servers/crash/sse`)).toMatch(/-32603.*exited before answering|HTTP 404\): unknown or ended session/);
    expect(errors(proxy).length).toBeGreaterThanOrEqual(2);
    for (const line of errors(proxy)) expect(line).toMatch(/\[ERROR\] server "crash": session \S+: the server exited before answering initialize \(exit code 3\)/);
    await stillWorks(proxy);
  }, 20_000);

  test("that never answers initialize fails its clients after --init-timeout and is stopped", async () => {
    using file = serversFile({ hang: command(["sleep", "30"]), ok: command(echoServer()) });
    await using proxy = await startTestProxy({ config: file.path, initTimeoutMs: 500 });
    for (const transport of ["mcp", "sse"]) {
      const began = performance.now();
      expect(await connectFails(`${proxy.url}/servers/hang/${transport}`)).toContain("no answer to initialize within 0.5 s");
      expect(performance.now() - began).toBeGreaterThanOrEqual(450);
    }
    expect(errors(proxy)).toHaveLength(2);
    for (const line of errors(proxy)) expect(line).toMatch(/\[ERROR\] server "hang": session \S+: no answer to initialize within 0\.5 s/);
    const pids = sessionPids(proxy.logs);
    expect(pids).toHaveLength(2);
    await waitFor(() => pids.every(processGone), 8000, "the hung children to be stopped");
    await stillWorks(proxy);
  }, 20_000);
});
