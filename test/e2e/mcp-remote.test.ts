import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { everythingServer, mcpRemoteBin } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { waitFor, within } from "../helpers/wait.ts";

/** mcp-remote in its default mode (Streamable HTTP first), driven over its stdio. */
function startMcpRemote(url: string, configDir: string) {
  const proc = Bun.spawn(["node", mcpRemoteBin, url], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    // Its OAuth state goes to a throwaway folder, not the user's ~/.mcp-auth.
    env: { ...process.env, MCP_REMOTE_CONFIG_DIR: configDir },
  });
  const messages: { id?: unknown; result?: any; error?: any }[] = [];
  void (async () => {
    let buffer = "";
    for await (const chunk of proc.stdout) {
      buffer += new TextDecoder().decode(chunk);
      let at: number;
      while ((at = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, at).trim();
        buffer = buffer.slice(at + 1);
        if (line.startsWith("{")) messages.push(JSON.parse(line));
      }
    }
  })();
  void (async () => {
    for await (const _ of proc.stderr) {
      // Drained so its logging never blocks it.
    }
  })();
  const send = (message: object) => {
    proc.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    proc.stdin.flush();
  };
  const request = async (id: number, method: string, params: object = {}) => {
    send({ id, method, params });
    return waitFor(() => messages.find((message) => message.id === id), 15_000, `mcp-remote's answer to ${method}`);
  };
  return { proc, send, request };
}

describe("mcp-remote against /mcp", () => {
  test("connects over Streamable HTTP by default, calls echo, and its session is reaped once it is killed", async () => {
    // A killed client sends no DELETE: its streams close, and the idle timeout ends the session.
    await using proxy = await startTestProxy({ sse: everythingServer, sessionIdleMs: 2000 });
    const configDir = mkdtempSync(join(tmpdir(), "mcp-remote-test-"));
    const remote = startMcpRemote(`${proxy.url}/mcp`, configDir);
    try {
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
    } finally {
      remote.proc.kill("SIGKILL");
      await remote.proc.exited;
      rmSync(configDir, { recursive: true, force: true });
    }
  }, 30_000);
});
