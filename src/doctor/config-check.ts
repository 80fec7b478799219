/**
 * The config, pure: for each local server, are the proxy variables there (both cases), do they
 * point at this proxy's port, and, for servers started with node/npx, is NODE_USE_ENV_PROXY=1
 * set. Only the host:port of a proxy variable is ever shown, never a whole value.
 *
 *   ServerEntry[] + proxy port ─▶ config.server:<name> per server
 */
import type { ServerEntry } from "../setup/claude-config.ts";
import { NODE_KEY, PROXY_URL_KEYS } from "../setup/proxy-env.ts";
import type { Check } from "./check.ts";
import { startsNode } from "./node-version.ts";

const loopback = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** `host:port` a proxy URL points at, or undefined when it is not a URL. */
export function proxyAddress(value: unknown): { host: string; port: number } | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value.includes("://") ? value : `http://${value}`);
    return { host: url.hostname, port: Number(url.port || (url.protocol === "https:" ? 443 : 80)) };
  } catch {
    return undefined;
  }
}

function setupCommand(port: number, force: boolean): string {
  return `mcp-proxy setup${force ? " --force" : ""}${port === 28080 ? "" : ` --port ${port}`}`;
}

export function checkServers(servers: ServerEntry[], port: number): Check[] {
  return servers.map((server): Check => {
    const base = { id: `config.server:${server.name}`, group: "config" } as const;
    if (server.kind === "remote") return { ...base, status: "skip", message: `${server.name}: remote server, Claude Desktop does not start it` };
    if (server.kind === "disabled") return { ...base, status: "skip", message: `${server.name}: disabled` };
    if (server.kind === "other") return { ...base, status: "skip", message: `${server.name}: no command` };
    const env = server.env ?? {};
    const missing = PROXY_URL_KEYS.filter((key) => !(key in env));
    const node = startsNode(server.command!);
    const problems: string[] = [];
    if (missing.length > 0) problems.push(`${missing.join(", ")} not set`);
    // Keys that point elsewhere, grouped by where: "HTTP_PROXY, http_proxy point at 127.0.0.1:9000".
    const elsewhere = new Map<string, string[]>();
    for (const key of PROXY_URL_KEYS.filter((key) => key in env)) {
      const at = proxyAddress(env[key]);
      if (at && loopback.has(at.host) && at.port === port) continue;
      const where = at ? `${at.host}:${at.port}` : "something that is not a URL";
      elsewhere.set(where, [...(elsewhere.get(where) ?? []), key]);
    }
    for (const [where, keys] of elsewhere) problems.push(`${keys.join(", ")} ${keys.length === 1 ? "points" : "point"} at ${where}, not 127.0.0.1:${port}`);
    const nodeMissing = node && env[NODE_KEY] !== "1";
    if (nodeMissing) problems.push(`started with ${server.command}, but ${NODE_KEY}=1 is not set (Node ignores the proxy variables without it)`);
    if (problems.length === 0) {
      return { ...base, status: "ok", message: `${server.name}: proxy variables point at port ${port}${node ? `, ${NODE_KEY}=1` : ""}` };
    }
    const fix =
      elsewhere.size > 0
        ? `${setupCommand(port, true)} (or start the proxy on the port the server uses)`
        : setupCommand(port, false);
    return { ...base, status: "fail", message: `${server.name}: ${problems.join("; ")}`, fix };
  });
}
