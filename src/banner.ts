/** The start banner: where we listen, and the exact lines to paste into an MCP server's env. */
import type { ProxyHandle } from "./start.ts";

export function bannerLines(handle: ProxyHandle, version: string): string[] {
  const lines = [
    `mcp-proxy ${version} listening on ${handle.url}`,
    `Proxy: add to each MCP server's "env":`,
    `  "HTTP_PROXY": "${handle.url}",`,
    `  "HTTPS_PROXY": "${handle.url}"`,
  ];
  if (handle.options.sse) {
    lines.push(`MCP bridge (Streamable HTTP): ${handle.url}/mcp  → ${handle.options.sse.join(" ")}`);
    lines.push(`MCP bridge (HTTP+SSE, legacy): ${handle.url}/sse`);
  }
  if (handle.options.config) {
    const names = handle.servers();
    lines.push(`MCP servers from ${handle.options.config} (list: ${handle.url}/servers):`);
    if (names.length === 0) lines.push("  none to bridge yet (the file is watched)");
    const width = Math.max(0, ...names.map((name) => name.length));
    for (const name of names) {
      const mcp = `${handle.url}/servers/${name}/mcp`;
      lines.push(`  ${name.padEnd(width)}  ${mcp.padEnd(handle.url.length + width + 13)}  ${handle.url}/servers/${name}/sse`);
    }
  }
  return lines;
}
