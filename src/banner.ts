/**
 * The start banner: where we listen, the exact lines to paste into an MCP server's env, and
 * who needs the token (its source, never its value). On loopback with the defaults it is
 * what it always was.
 */
import { isLoopbackHost } from "./security/address.ts";
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
  return [...lines, ...authLines(handle)];
}

function authLines(handle: ProxyHandle): string[] {
  const { auth, host, token, tokenSource, port } = handle.options;
  if (auth === "off") {
    return [`WARNING: --auth off: anyone who can reach port ${handle.port} can use the proxy and run the bridged MCP servers`];
  }
  if (auth === "loopback-free" && isLoopbackHost(host) && token === undefined) return [];
  const who = auth === "always" ? "every client" : "clients not on loopback";
  const lines = [`Auth: ${who} must send the token (--auth ${auth}); token: ${tokenSource ?? (token ? "given" : "none set, so they cannot get in")}`];
  if (token !== undefined) {
    lines.push(`  proxy URL: http://mcp:<token>@HOST:${port || handle.port}   bridge header: Authorization: Bearer <token>   (mcp-proxy token prints it)`);
  }
  return lines;
}
