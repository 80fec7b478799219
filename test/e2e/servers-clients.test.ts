/**
 * --config with two named servers at once: each reached by the SDK's Streamable HTTP and SSE
 * clients and by mcp-remote at its own URLs, each session with its own child, and the entry's
 * env and cwd reaching that child.
 */
import { describe, expect, test } from "bun:test";
import { realpathSync } from "node:fs";
import { z } from "zod";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { startMcpRemote } from "../helpers/mcp-remote.ts";
import { echoServer, everythingServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { connectClient, serversFile } from "../helpers/servers-file.ts";
import { waitFor, within } from "../helpers/wait.ts";

const command = (argv: string[]) => ({ command: argv[0], args: argv.slice(1) });
const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;
const Env = z.object({ cwd: z.string(), env: z.record(z.string(), z.string().nullable()) });

describe("two named servers from one config file", () => {
  test("each answers the SDK's Streamable HTTP and SSE clients at its own URLs, one child per session", async () => {
    using file = serversFile({ everything: command(everythingServer), echo: command(echoServer()) });
    await using proxy = await startTestProxy({ config: file.path });
    const clients = [];
    try {
      for (const name of ["everything", "echo"]) {
        for (const transport of ["mcp", "sse"]) {
          const client = await connectClient(`${proxy.url}/servers/${name}/${transport}`);
          clients.push(client);
          // Each URL reaches its own server: the fixture names itself, server-everything does not.
          if (name === "echo") expect(client.getServerVersion()?.name).toBe("echo-fixture");
          else expect(client.getServerVersion()?.name).not.toBe("echo-fixture");
          const { tools } = await client.listTools();
          expect(tools.map((tool) => tool.name)).toContain("echo");
          if (name === "everything") expect(tools.map((tool) => tool.name)).toContain("trigger-long-running-operation");
          else expect(tools.map((tool) => tool.name)).toEqual(["echo"]);
          expect(text(await client.callTool({ name: "echo", arguments: { message: `${name} over ${transport}` } }))).toBe(`Echo: ${name} over ${transport}`);
        }
      }
      // Four sessions, four children, each logged under its server's name and route.
      const opened = proxy.logs.filter((line) => /opened: pid \d+ on \/servers\//.test(line));
      expect(opened).toHaveLength(4);
      for (const route of ["/servers/everything/mcp", "/servers/everything/sse", "/servers/echo/mcp", "/servers/echo/sse"]) {
        expect(opened.filter((line) => line.includes(` on ${route} `))).toHaveLength(1);
      }
      expect(opened.filter((line) => line.includes(`server "echo": session`))).toHaveLength(2);
      expect(new Set(sessionPids(proxy.logs)).size).toBe(4);
    } finally {
      for (const client of clients) await client[Symbol.asyncDispose]();
    }
    const pids = sessionPids(proxy.logs);
    await waitFor(() => pids.every(processGone), 8000, "every child to be stopped once its client is gone");
  }, 30_000);

  test("each answers mcp-remote over Streamable HTTP and over SSE", async () => {
    using file = serversFile({ everything: command(everythingServer), echo: command(echoServer()) });
    await using proxy = await startTestProxy({ config: file.path });
    const cases = [
      { name: "everything", url: `${proxy.url}/servers/everything/mcp`, args: [] as string[], version: "2025-06-18" },
      { name: "echo", url: `${proxy.url}/servers/echo/sse`, args: ["--transport", "sse-only"], version: "2024-11-05" },
    ];
    for (const { name, url, args, version } of cases) {
      await using remote = startMcpRemote(url, args);
      const init = await remote.request(1, "initialize", { protocolVersion: version, capabilities: {}, clientInfo: { name: "t", version: "1" } });
      expect(init.result.serverInfo.name).toBeString();
      remote.send({ method: "notifications/initialized" });
      const echoed = await remote.request(2, "tools/call", { name: "echo", arguments: { message: `mcp-remote to ${name}` } });
      expect(echoed.result.content).toEqual([{ type: "text", text: `Echo: mcp-remote to ${name}` }]);
      remote.proc.kill("SIGKILL");
      await within(remote.proc.exited, 5000, "mcp-remote to exit");
    }
    expect(proxy.logs.some((line) => /server "everything": session \S+ opened: pid \d+ on \/servers\/everything\/mcp/.test(line))).toBe(true);
    expect(proxy.logs.some((line) => /server "echo": session \S+ opened: pid \d+ on \/servers\/echo\/sse/.test(line))).toBe(true);
  }, 40_000);

  test("gives the child mcp-proxy's environment with the entry's env on top, in the entry's cwd", async () => {
    using file = serversFile({});
    file.write({
      plain: command(echoServer()),
      tuned: { ...command(echoServer()), env: { MCP_PROXY_TEST_TOKEN: "from-config", MCP_PROXY_TEST_SHARED: "entry wins" }, cwd: file.dir },
    });
    const childEnv = { ...process.env, MCP_PROXY_TEST_SHARED: "proxy", MCP_PROXY_TEST_PARENT: "inherited" };
    await using proxy = await startTestProxy({ config: file.path, childEnv });
    const names = ["MCP_PROXY_TEST_TOKEN", "MCP_PROXY_TEST_SHARED", "MCP_PROXY_TEST_PARENT"];
    for (const transport of ["mcp", "sse"]) {
      await using tuned = await connectClient(`${proxy.url}/servers/tuned/${transport}`);
      const seen = await tuned.request({ method: "fixture/env", params: { names } }, Env);
      expect(seen.env).toEqual({ MCP_PROXY_TEST_TOKEN: "from-config", MCP_PROXY_TEST_SHARED: "entry wins", MCP_PROXY_TEST_PARENT: "inherited" });
      expect(realpathSync(seen.cwd)).toBe(realpathSync(file.dir));
    }
    await using plain = await connectClient(`${proxy.url}/servers/plain/mcp`);
    const seen = await plain.request({ method: "fixture/env", params: { names } }, Env);
    expect(seen.env).toEqual({ MCP_PROXY_TEST_TOKEN: null, MCP_PROXY_TEST_SHARED: "proxy", MCP_PROXY_TEST_PARENT: "inherited" });
    expect(seen.cwd).toBe(process.cwd());
  }, 20_000);
});
