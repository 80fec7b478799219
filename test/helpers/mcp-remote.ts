/**
 * mcp-remote as a stdio client (how Claude Desktop reaches a remote server), driven over its
 * stdin/stdout with JSON-RPC. Its OAuth state goes to a throwaway folder, not ~/.mcp-auth;
 * dispose kills it by pid and removes that folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mcpRemoteBin } from "./mcp-servers.ts";
import { waitFor } from "./wait.ts";

export interface McpRemote extends AsyncDisposable {
  proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  send(message: object): void;
  /** Sends a request and waits (bounded) for the answer with the same id. */
  request(id: number, method: string, params?: object): Promise<{ id?: unknown; result?: any; error?: any }>;
}

export function startMcpRemote(url: string, extraArgs: string[] = []): McpRemote {
  const configDir = mkdtempSync(join(tmpdir(), "mcp-remote-test-"));
  const proc = Bun.spawn(["node", mcpRemoteBin, url, ...extraArgs], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
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
  return {
    proc,
    send,
    request: async (id, method, params = {}) => {
      send({ id, method, params });
      return waitFor(() => messages.find((message) => message.id === id), 15_000, `mcp-remote's answer to ${method}`);
    },
    [Symbol.asyncDispose]: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}
