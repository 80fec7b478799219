import { describe, expect, test } from "bun:test";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { startMcpRemote } from "../helpers/mcp-remote.ts";
import { everythingServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { waitFor, within } from "../helpers/wait.ts";

describe("mcp-remote against the bridge", () => {
  test("initializes, lists tools and calls echo over its stdio, and the child goes when it is killed", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    await using remote = startMcpRemote(`${proxy.url}/sse`, ["--transport", "sse-only"]);
    const init = await remote.request(1, "initialize", {
      protocolVersion: "2024-11-05",
      capabilities: {},
      clientInfo: { name: "mcp-proxy-test", version: "1.0.0" },
    });
    expect(init.result.serverInfo.name).toBeString();
    remote.send({ method: "notifications/initialized" });
    const list = await remote.request(2, "tools/list");
    expect(list.result.tools.map((tool: { name: string }) => tool.name)).toContain("echo");
    const echoed = await remote.request(3, "tools/call", { name: "echo", arguments: { message: "via mcp-remote" } });
    expect(echoed.result.content).toEqual([{ type: "text", text: "Echo: via mcp-remote" }]);
    const [childPid] = sessionPids(proxy.logs);
    remote.proc.kill("SIGKILL");
    await within(remote.proc.exited, 5000, "mcp-remote to exit");
    await waitFor(() => processGone(childPid!), 7000, "the bridge child to be stopped after mcp-remote died");
  }, 25_000);
});
