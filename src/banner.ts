/**
 * The start banner: where we listen, the status page, the one command that puts Claude
 * Desktop's servers behind us and the same env lines `mcp-proxy setup` writes (for configs
 * edited by hand), every bridged URL, and who needs the token (its source, never its value).
 */
import { isLoopbackHost } from "./security/address.ts";
import { DEFAULT_PROXY_URL, SETUP_KEYS, wantedValue } from "./setup/proxy-env.ts";
import type { ProxyHandle } from "./start.ts";

export function bannerLines(handle: ProxyHandle, version: string): string[] {
  const setup = handle.url === DEFAULT_PROXY_URL ? "mcp-proxy setup" : `mcp-proxy setup --proxy ${handle.url}`;
  const env = SETUP_KEYS.map((key, i) => `  "${key}": "${wantedValue(key, {}, handle.url)}"${i < SETUP_KEYS.length - 1 ? "," : ""}`);
  const lines = [
    `mcp-proxy ${version} listening on ${handle.url}`,
    `Status page: ${handle.url}/  (also /status.json, /metrics)`,
    `Proxy: run "${setup}" to put Claude Desktop's MCP servers behind it, or add to each server's "env":`,
    ...env,
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
