/** The start banner: where we listen, and the exact lines to paste into an MCP server's env. */
import type { ProxyHandle } from "./start.ts";

export function bannerLines(handle: ProxyHandle, version: string): string[] {
  const lines = [
    `mcp-proxy ${version} listening on ${handle.url}`,
    `Status page: ${handle.url}/  (also /status.json, /metrics)`,
    `Proxy: add to each MCP server's "env":`,
    `  "HTTP_PROXY": "${handle.url}",`,
    `  "HTTPS_PROXY": "${handle.url}"`,
  ];
  if (handle.options.sse) {
    lines.push(`MCP bridge (Streamable HTTP): ${handle.url}/mcp  → ${handle.options.sse.join(" ")}`);
    lines.push(`MCP bridge (HTTP+SSE, legacy): ${handle.url}/sse`);
  }
  return lines;
}
