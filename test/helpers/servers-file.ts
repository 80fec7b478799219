/**
 * A --config file in a throwaway folder, and the SDK clients a named server is reached by.
 * The file can be rewritten the two ways editors save: in place, or by renaming a new file
 * over it. Dispose removes the folder.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./wait.ts";

export interface ServersFile extends Disposable {
  dir: string;
  path: string;
  /** Rewrites the file with these mcpServers; `rename` saves as most editors do. */
  write(servers: Record<string, unknown>, how?: "in-place" | "rename"): void;
  /** Writes any text (an invalid edit). */
  writeText(text: string): void;
}

export function serversFile(servers: Record<string, unknown>): ServersFile {
  const dir = mkdtempSync(join(tmpdir(), "mcp-proxy-config-"));
  const path = join(dir, "claude_desktop_config.json");
  const writeText = (text: string, how: "in-place" | "rename" = "in-place") => {
    if (how === "in-place") return writeFileSync(path, text);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  };
  const file: ServersFile = {
    dir,
    path,
    write: (next, how = "in-place") => writeText(JSON.stringify({ mcpServers: next }, null, 2), how),
    writeText: (text) => writeText(text),
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
  file.write(servers);
  return file;
}

export type SdkClient = Client & AsyncDisposable;

/** The SDK client on a bridge URL ending in /mcp (Streamable HTTP) or /sse (HTTP+SSE). */
export async function connectClient(url: string): Promise<SdkClient> {
  const client = new Client({ name: "mcp-proxy-test", version: "1.0.0" });
  const transport = url.endsWith("/sse") ? new SSEClientTransport(new URL(url)) : new StreamableHTTPClientTransport(new URL(url));
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close();
    throw error;
  }
  return Object.assign(client, {
    [Symbol.asyncDispose]: async () => {
      if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => {});
      await client.close();
    },
  });
}

export interface ServerListing {
  name: string;
  mcp: string;
  sse: string;
  enabled: boolean;
  skipped?: string;
  sessions: number;
}

export async function listServers(proxyUrl: string): Promise<ServerListing[]> {
  const response = await fetch(`${proxyUrl}/servers`);
  if (response.status !== 200) throw new Error(`GET /servers answered ${response.status}`);
  return ((await response.json()) as { servers: ServerListing[] }).servers;
}

/** Waits (bounded) until GET /servers satisfies `check`, e.g. after an edit of the file. */
export function waitForServers(proxyUrl: string, check: (servers: ServerListing[]) => boolean, what: string): Promise<ServerListing[]> {
  return waitFor(async () => {
    const servers = await listServers(proxyUrl);
    return check(servers) ? servers : undefined;
  }, 10_000, what);
}
