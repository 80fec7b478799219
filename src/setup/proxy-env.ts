/**
 * Pure: the `env` keys setup writes into every local MCP server, and the value each should
 * hold. The set is the README's: both cases of the proxy variables (curl reads only the
 * lower-case `http_proxy`), NO_PROXY for loopback, and NODE_USE_ENV_PROXY for Node ≥ 22.21/24.5.
 *
 *   proxy URL + the server's env ─▶ wantedValue(key) ─▶ same | differs (a conflict) | absent
 */
import { OptionsError } from "../errors.ts";
import { printable } from "../printable.ts";

export const PROXY_URL_KEYS = ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] as const;
export const NO_PROXY_KEYS = ["NO_PROXY", "no_proxy"] as const;
export const NODE_KEY = "NODE_USE_ENV_PROXY";
/** Every key setup manages, in the order it appends them. */
export const SETUP_KEYS: readonly string[] = [...PROXY_URL_KEYS, ...NO_PROXY_KEYS, NODE_KEY];
/** Hosts that must never go through the proxy: the proxy itself and local servers. */
export const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1"] as const;

/** @default "http://127.0.0.1:28080" */
export const DEFAULT_PROXY_URL = "http://127.0.0.1:28080";

/**
 * The proxy URL from `--proxy URL` or `--port N` (not both). Only `http://host:port` is
 * accepted: mcp-proxy speaks plain HTTP on its port, and a path would be ignored by clients.
 */
export function proxyUrlFrom(proxy: string | undefined, port: number | undefined): string {
  if (proxy !== undefined && port !== undefined) throw new OptionsError("--proxy and --port cannot be used together");
  if (port !== undefined) return `http://127.0.0.1:${port}`;
  if (proxy === undefined) return DEFAULT_PROXY_URL;
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    throw new OptionsError(`invalid --proxy "${printable(proxy)}": expected a URL such as http://127.0.0.1:28080`);
  }
  if (url.protocol !== "http:" || url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    throw new OptionsError(`invalid --proxy "${printable(proxy)}": expected http://HOST:PORT with nothing after the port`);
  }
  return `http://${url.host}`;
}

/** Two proxy URLs that clients treat alike (`http://127.0.0.1:28080/` equals `http://127.0.0.1:28080`). */
export function sameProxyUrl(a: unknown, b: string): boolean {
  return typeof a === "string" && a.trim().replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();
}

/** The entries of a NO_PROXY list, trimmed, empty ones dropped. */
export function noProxyEntries(list: string): string[] {
  return list
    .split(/[,\s]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** The user's list as it is, with the loopback hosts it lacks appended. */
export function mergeNoProxy(existing: string | undefined): string {
  const have = new Set(noProxyEntries(existing ?? "").map((entry) => entry.toLowerCase()));
  const missing = LOOPBACK_HOSTS.filter((host) => !have.has(host));
  if (missing.length === 0) return existing!;
  const base = (existing ?? "").replace(/[,\s]+$/, "");
  return base ? `${base},${missing.join(",")}` : missing.join(",");
}

/**
 * What `key` should hold in `env`. NO_PROXY keeps the user's list (or its twin's, when only
 * the other case is set) and adds what is missing, so it is never a conflict unless it is not
 * a string at all.
 */
export function wantedValue(key: string, env: Record<string, unknown>, url: string): string {
  if (key === NODE_KEY) return "1";
  if ((NO_PROXY_KEYS as readonly string[]).includes(key)) {
    const twin = key === "NO_PROXY" ? "no_proxy" : "NO_PROXY";
    const own = env[key];
    const base = typeof own === "string" ? own : typeof env[twin] === "string" ? (env[twin] as string) : undefined;
    return mergeNoProxy(base);
  }
  return url;
}

/** Whether the value already there counts as what setup would write. */
export function alreadyWanted(key: string, current: unknown, wanted: string): boolean {
  if ((PROXY_URL_KEYS as readonly string[]).includes(key)) return sameProxyUrl(current, wanted);
  return current === wanted;
}
