import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { everythingServer, mcpRemoteBin } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { waitFor, within } from "../helpers/wait.ts";

/** mcp-remote as a stdio client (how Claude Desktop and friends reach an SSE server). */
function startMcpRemote(url: string, configDir: string) {
  const proc = Bun.spawn(["node", mcpRemoteBin, url, "--transport", "sse-only"], {
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

describe("mcp-remote against the bridge", () => {
  test("initializes, lists tools and calls echo over its stdio, and the child goes when it is killed", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    const configDir = mkdtempSync(join(tmpdir(), "mcp-remote-test-"));
    const remote = startMcpRemote(`${proxy.url}/sse`, configDir);
    try {
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
    } finally {
      remote.proc.kill("SIGKILL");
      await remote.proc.exited;
      rmSync(configDir, { recursive: true, force: true });
    }
  }, 25_000);
});
