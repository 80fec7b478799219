/**
 * The --config file is followed while mcp-proxy runs: entries added, changed and removed take
 * effect for new sessions, sessions already open keep their child, and an invalid edit keeps
 * the last good set. Every wait is for the change to show in GET /servers or the log.
 */
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { startTestProxy, type TestProxy } from "../helpers/proxy.ts";
import { connectClient, listServers, serversFile, waitForServers, type SdkClient } from "../helpers/servers-file.ts";
import { letTimePass, waitFor } from "../helpers/wait.ts";
import { RELOAD_DEBOUNCE_MS } from "../../src/servers/config-watch.ts";

const Env = z.object({ cwd: z.string(), env: z.record(z.string(), z.string().nullable()) });
const FLAVOUR = "MCP_PROXY_TEST_FLAVOUR";
/** The echo fixture, with FLAVOUR set so a test can tell which definition a child came from. */
const echo = (flavour: string) => ({ command: process.execPath, args: [echoServer()[1]!], env: { [FLAVOUR]: flavour } });
const flavourOf = async (client: SdkClient) => (await client.request({ method: "fixture/env", params: { names: [FLAVOUR] } }, Env)).env[FLAVOUR];
const reloads = (proxy: TestProxy) => proxy.logs.filter((line) => line.includes("reloaded:"));

describe("reloading the config file", () => {
  test("adds, changes and removes servers for new sessions while open sessions keep their child", async () => {
    using file = serversFile({ keep: echo("v1"), change: echo("v1"), drop: echo("v1") });
    await using proxy = await startTestProxy({ config: file.path });
    const open = {
      keep: await connectClient(`${proxy.url}/servers/keep/mcp`),
      change: await connectClient(`${proxy.url}/servers/change/mcp`),
      changeSse: await connectClient(`${proxy.url}/servers/change/sse`),
      drop: await connectClient(`${proxy.url}/servers/drop/sse`),
    };
    try {
      const pidsBefore = sessionPids(proxy.logs);
      // Saved the way editors do: a new file renamed over the old one.
      file.write({ keep: echo("v1"), change: echo("v2"), added: echo("v1") }, "rename");
      await waitForServers(proxy.url, (list) => list.some((server) => server.name === "added"), "the added server to be listed");
      expect(reloads(proxy).at(-1)).toContain("reloaded: added added; changed change; removed drop");
      // The removed server is gone for new sessions, yet its open session still answers.
      expect((await listServers(proxy.url)).map((server) => server.name)).toEqual(["keep", "change", "added"]);
      const refused = await fetch(`${proxy.url}/servers/drop/sse`);
      expect(refused.status).toBe(404);
      expect(await refused.text()).toBe(`server "drop" was removed from the config file; known servers: keep, change, added\n`);
      for (const client of Object.values(open)) expect(await flavourOf(client)).toBe("v1");
      // New sessions follow the file; the unchanged server's open session was left alone.
      await using changed = await connectClient(`${proxy.url}/servers/change/mcp`);
      expect(await flavourOf(changed)).toBe("v2");
      await using added = await connectClient(`${proxy.url}/servers/added/sse`);
      expect(await flavourOf(added)).toBe("v1");
      expect(sessionPids(proxy.logs).slice(0, 4)).toEqual(pidsBefore);
      expect(pidsBefore.every((pid) => !processGone(pid))).toBe(true);
      // The old definition's sessions still count under their name until they end.
      expect((await listServers(proxy.url)).find((server) => server.name === "change")!.sessions).toBe(3);
    } finally {
      for (const client of Object.values(open)) await client[Symbol.asyncDispose]();
    }
    const pids = sessionPids(proxy.logs);
    await waitFor(() => pids.every(processGone), 8000, "every child, old definitions' included, to be stopped");
    await waitForServers(proxy.url, (list) => list.every((server) => server.sessions === 0), "every session to be gone");
    // With its last session over, the removed server is forgotten altogether.
    expect(await (await fetch(`${proxy.url}/servers/drop/sse`)).text()).toBe(`unknown server "drop"; known servers: keep, change, added\n`);
  }, 30_000);

  test("keeps the last good set when an edit makes the file invalid, and takes the next valid one", async () => {
    using file = serversFile({ alpha: echo("v1") });
    await using proxy = await startTestProxy({ config: file.path });
    for (const [text, why] of [
      ['{"mcpServers": {"alpha": ', "not valid JSON"],
      [JSON.stringify({ mcpServers: { "bad name": echo("v2") } }), `server name "bad name" is refused`],
      [JSON.stringify({ mcpServers: { alpha: { command: "" } } }), `server "alpha": "command" must be a non-empty string`],
    ]) {
      const errorsBefore = proxy.logs.filter((line) => line.includes("[ERROR]")).length;
      file.writeText(text!);
      const error = await waitFor(
        () => proxy.logs.filter((line) => line.includes("[ERROR]")).slice(errorsBefore)[0],
        10_000,
        "the invalid edit to be logged",
      );
      expect(error).toContain(`config: --config ${file.path}: ${why}`);
      expect(error).toContain("keeping the last good set of servers");
      await using client = await connectClient(`${proxy.url}/servers/alpha/mcp`);
      expect(await flavourOf(client)).toBe("v1");
    }
    file.write({ alpha: echo("v3"), beta: echo("v3") });
    await waitForServers(proxy.url, (list) => list.length === 2, "the valid edit to be applied");
    // One line per bad save, though a save raises several file events.
    expect(proxy.logs.filter((line) => line.includes("[ERROR]"))).toHaveLength(3);
    await using client = await connectClient(`${proxy.url}/servers/alpha/mcp`);
    expect(await flavourOf(client)).toBe("v3");
  }, 30_000);

  test("keeps the servers when the file is deleted, and follows it when it comes back", async () => {
    using file = serversFile({ alpha: echo("v1") });
    await using proxy = await startTestProxy({ config: file.path });
    const { rmSync } = await import("node:fs");
    rmSync(file.path);
    await waitFor(() => proxy.logs.some((line) => line.includes("no such file; keeping the last good set")), 10_000, "the deletion to be logged");
    expect((await listServers(proxy.url)).map((server) => server.name)).toEqual(["alpha"]);
    file.write({ alpha: echo("v1"), beta: echo("v1") }, "rename");
    await waitForServers(proxy.url, (list) => list.length === 2, "the restored file to be read");
  }, 20_000);

  test("disabling a server keeps its open session and refuses new ones, saying it is disabled", async () => {
    using file = serversFile({ alpha: echo("v1") });
    await using proxy = await startTestProxy({ config: file.path });
    await using open = await connectClient(`${proxy.url}/servers/alpha/mcp`);
    file.write({ alpha: { ...echo("v1"), disabled: true } });
    await waitForServers(proxy.url, (list) => list[0]?.enabled === false, "alpha to be disabled");
    const refused = await fetch(`${proxy.url}/servers/alpha/sse`);
    expect(refused.status).toBe(404);
    expect(await refused.text()).toBe(`server "alpha" is not bridged: disabled\n`);
    expect(await flavourOf(open)).toBe("v1");
    expect((await listServers(proxy.url))[0]).toMatchObject({ name: "alpha", enabled: false, sessions: 1 });
  }, 20_000);

  test("shutdown stops the children of current and replaced definitions alike, and stops watching the file", async () => {
    using file = serversFile({ alpha: echo("v1"), beta: echo("v1") });
    const proxy = await startTestProxy({ config: file.path });
    try {
      const clients = [await connectClient(`${proxy.url}/servers/alpha/sse`), await connectClient(`${proxy.url}/servers/beta/mcp`)];
      file.write({ alpha: echo("v2") });
      await waitForServers(proxy.url, (list) => list.length === 1, "beta to be removed");
      clients.push(await connectClient(`${proxy.url}/servers/alpha/mcp`));
      expect(await flavourOf(clients[2]!)).toBe("v2");
      const pids = sessionPids(proxy.logs);
      expect(pids).toHaveLength(3);
      await proxy.close();
      expect(pids.filter((pid) => !processGone(pid))).toEqual([]);
      for (const client of clients) await client.close();
    } finally {
      await proxy.close();
    }
    const logged = proxy.logs.length;
    file.write({ alpha: echo("v3") });
    // Nothing may happen now; the span to wait is what the test is about.
    await letTimePass(RELOAD_DEBOUNCE_MS * 5);
    expect(proxy.logs.slice(logged).filter((line) => line.includes("config"))).toEqual([]);
  }, 20_000);
});
