/**
 * The start banner: where we listen, the one command that puts Claude Desktop's servers behind
 * us, and the same env lines `mcp-proxy setup` writes, for configs edited by hand.
 */
import { DEFAULT_PROXY_URL, SETUP_KEYS, wantedValue } from "./setup/proxy-env.ts";
import type { ProxyHandle } from "./start.ts";

export function bannerLines(handle: ProxyHandle, version: string): string[] {
  const setup = handle.url === DEFAULT_PROXY_URL ? "mcp-proxy setup" : `mcp-proxy setup --proxy ${handle.url}`;
  const env = SETUP_KEYS.map((key, i) => `  "${key}": "${wantedValue(key, {}, handle.url)}"${i < SETUP_KEYS.length - 1 ? "," : ""}`);
  const lines = [
    `mcp-proxy ${version} listening on ${handle.url}`,
    `Proxy: run "${setup}" to put Claude Desktop's MCP servers behind it, or add to each server's "env":`,
    ...env,
  ];
  if (handle.options.sse) {
    lines.push(`MCP bridge (Streamable HTTP): ${handle.url}/mcp  → ${handle.options.sse.join(" ")}`);
    lines.push(`MCP bridge (HTTP+SSE, legacy): ${handle.url}/sse`);
  }
  return lines;
}
