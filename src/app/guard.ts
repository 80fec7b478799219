/**
 * Host and Origin checks in front of every bridge route (/sse, /messages).
 *
 * Host defeats DNS rebinding: a page on evil.example that re-resolves to 127.0.0.1 still
 * sends `Host: evil.example`. Origin defeats cross-site requests from a browser tab. Both are
 * parsed, never prefix-matched (`127.evil.com` is a DNS name, not a loopback address).
 * Requests without Origin (CLI clients, the SDK in Node) pass the Origin check.
 */
import { HttpError } from "../errors.ts";

export interface GuardPolicy {
  /** The public port clients connect to (the front's, not the internal app's). */
  port(): number;
  /** Extra Host values: `name` (any port) or `name:port`, from --allow-host. */
  allowHosts: string[];
  /** Extra origins, from --allow-origin; `*` allows any. */
  allowOrigins: string[];
}

/** The last Host verdict per policy: a client sends the same Host on every request. */
const lastHost = new WeakMap<GuardPolicy, { host: string; port: number; allowed: boolean }>();

function hostAllowedCached(host: string, policy: GuardPolicy): boolean {
  const port = policy.port();
  const last = lastHost.get(policy);
  if (last && last.host === host && last.port === port) return last.allowed;
  const allowed = hostAllowed(host, policy);
  lastHost.set(policy, { host, port, allowed });
  return allowed;
}

/** Throws 403 unless Host and Origin are acceptable. */
export function checkGuard(req: Request, policy: GuardPolicy): void {
  const host = req.headers.get("host");
  if (!host || !hostAllowedCached(host, policy)) {
    throw new HttpError(403, `forbidden: Host ${JSON.stringify(host ?? "")} is not a loopback address on port ${policy.port()} (see --allow-host)`);
  }
  const origin = req.headers.get("origin");
  if (origin !== null && !originAllowed(origin, policy.allowOrigins)) {
    throw new HttpError(403, `forbidden: Origin ${JSON.stringify(origin)} is not allowed (see --allow-origin)`);
  }
}

export function hostAllowed(value: string, policy: GuardPolicy): boolean {
  const parsed = parseHost(value);
  if (!parsed) return false;
  const port = parsed.port ?? 80;
  if (isLoopback(parsed.hostname) && port === policy.port()) return true;
  return policy.allowHosts.some((entry) => {
    const allowed = parseHost(entry);
    if (!allowed || allowed.hostname !== parsed.hostname) return false;
    return allowed.port === undefined || allowed.port === port;
  });
}

export function originAllowed(origin: string, allowOrigins: string[]): boolean {
  if (allowOrigins.includes("*")) return true;
  const parsed = parseOrigin(origin);
  if (parsed && (parsed.protocol === "http:" || parsed.protocol === "https:") && isLoopback(parsed.hostname)) return true;
  const normalized = parsed?.origin ?? origin;
  return allowOrigins.some((entry) => (parseOrigin(entry)?.origin ?? entry) === normalized);
}

/** `localhost`, any 127.0.0.0/8 address, or ::1, on a hostname already normalised by URL. */
export function isLoopback(hostname: string): boolean {
  if (hostname === "localhost" || hostname === "[::1]") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

// Only what RFC 9110 §7.2 allows in Host (reg-name, IPv4, [IPv6]) and an optional port:
// anything else (`user@host`, paths, spaces) is refused before the URL parser could reinterpret it.
const HOST_SYNTAX = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(\d{1,5}))?$/;

/** `Host` header → WHATWG-normalised hostname (so `127.1` and `[0::1]` compare correctly) and port. */
export function parseHost(value: string): { hostname: string; port: number | undefined } | undefined {
  const match = HOST_SYNTAX.exec(value.trim());
  if (!match) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${match[1]}`).hostname;
  } catch {
    return undefined;
  }
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { hostname, port };
}

function parseOrigin(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
