import { describe, expect, test } from "bun:test";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { startMcpRemote } from "../helpers/mcp-remote.ts";
import { everythingServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { waitFor, within } from "../helpers/wait.ts";

describe("mcp-remote against /mcp", () => {
  test("connects over Streamable HTTP by default, calls echo, and its session is reaped once it is killed", async () => {
    // A killed client sends no DELETE: its streams close, and the idle timeout ends the session.
    await using proxy = await startTestProxy({ sse: everythingServer, sessionIdleMs: 2000 });
    await using remote = startMcpRemote(`${proxy.url}/mcp`);
    const init = await remote.request(1, "initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "mcp-proxy-test", version: "1.0.0" },
    });
    expect(init.result.serverInfo.name).toBeString();
    remote.send({ method: "notifications/initialized" });
    const echoed = await remote.request(2, "tools/call", { name: "echo", arguments: { message: "via mcp-remote" } });
    expect(echoed.result.content).toEqual([{ type: "text", text: "Echo: via mcp-remote" }]);
    // It spoke /mcp, not the /sse fallback.
    expect(proxy.logs.filter((line) => /opened: pid \d+ on \/mcp/.test(line)).length).toBeGreaterThanOrEqual(1);
    expect(proxy.logs.some((line) => /opened: pid \d+ on \/sse/.test(line))).toBe(false);
    const pids = sessionPids(proxy.logs);
    remote.proc.kill("SIGKILL");
    await within(remote.proc.exited, 5000, "mcp-remote to exit");
    await waitFor(() => pids.every(processGone), 9000, "the bridge children to be stopped");
    expect(proxy.logs.some((line) => line.includes("closed (idle for 2 s)"))).toBe(true);
  }, 30_000);
});
