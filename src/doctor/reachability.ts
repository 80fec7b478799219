/**
 * Reachability of a host:port two ways, each bounded: a direct TCP connect, and a CONNECT
 * tunnel through the proxy. The pair of results gives the verdict a user needs: whether the
 * servers need the proxy, or the proxy itself is blocked.
 *
 *   direct:  doctor ──TCP──▶ host:port
 *   proxied: doctor ──CONNECT host:port──▶ proxy ──▶ host:port      ─▶ verdict ─▶ reachability:<host:port>
 */
import { OptionsError } from "../errors.ts";
import { printable } from "../printable.ts";
import type { ServerEntry } from "../setup/claude-config.ts";
import { NO_PROXY_KEYS, PROXY_URL_KEYS } from "../setup/proxy-env.ts";
import type { Check } from "./check.ts";
import { parseAnswer, probe, responseComplete, type ProbeResult } from "./probe.ts";
import type { ProxyTarget } from "./proxy-check.ts";

export interface Target {
  host: string;
  port: number;
}

export function formatTarget(target: Target): string {
  return target.host.includes(":") ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** `host:port` or `[v6]:port` from --target. */
export function parseTarget(text: string): Target {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || !(port >= 1 && port <= 65535)) throw new OptionsError(`invalid --target "${printable(text)}": expected HOST:PORT, for example intranet.example:443`);
  return { host: match[1] ?? match[2]!, port };
}

const skipHosts = new Set(["localhost", "127.0.0.1", "::1", "0.0.0.0"]);

/** The hosts in the servers' env values that look like URLs (proxy variables aside), as host:port. */
export function targetsFromServers(servers: ServerEntry[]): Target[] {
  const proxyKeys = new Set<string>([...PROXY_URL_KEYS, ...NO_PROXY_KEYS]);
  const seen = new Map<string, Target>();
  for (const server of servers) {
    if (server.kind !== "local") continue;
    for (const [key, value] of Object.entries(server.env ?? {})) {
      if (proxyKeys.has(key) || typeof value !== "string" || !/^(https?|wss?):\/\//i.test(value.trim())) continue;
      try {
        const url = new URL(value.trim());
        const host = url.hostname.replace(/^\[|\]$/g, "");
        if (!host || skipHosts.has(host)) continue;
        const secure = url.protocol === "https:" || url.protocol === "wss:";
        const target = { host, port: Number(url.port || (secure ? 443 : 80)) };
        seen.set(formatTarget(target), target);
      } catch {
        // not a URL after all
      }
    }
  }
  return [...seen.values()];
}

function describe(result: ProbeResult): string {
  return result.ok ? `ok ${result.ms} ms` : result.error!;
}

/** CONNECT through the proxy; ok only for a 2xx answer. The proxy's own reason (mcp-proxy sends one) is kept. */
async function throughProxy(target: Target, proxy: ProxyTarget, timeoutMs: number): Promise<ProbeResult> {
  const authority = formatTarget(target);
  const result = await probe(proxy.host, proxy.port, timeoutMs, `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`, responseComplete);
  if (!result.ok) return { ...result, error: `no proxy there (${result.error})` };
  const answer = parseAnswer(result.answer);
  if (!answer) return { ...result, ok: false, error: "the proxy did not answer HTTP" };
  if (answer.status >= 200 && answer.status < 300) return result;
  const reason = answer.body.trim().split("\n")[0];
  return { ...result, ok: false, error: `${answer.statusLine.slice(9)}${reason ? ` (${reason})` : ""}` };
}

const unreachable = /EHOSTUNREACH|ENETUNREACH|ENETDOWN|EPERM|EACCES|timed out/;

/** The verdict for one target: what works, and what the user should do about it. */
export function verdict(direct: ProbeResult, proxied: ProbeResult, proxyUp: boolean): Pick<Check, "status" | "fix"> & { text: string } {
  if (direct.ok && proxied.ok) return { status: "ok", text: "both work" };
  if (!direct.ok && proxied.ok) return { status: "ok", text: "direct blocked, through the proxy works: servers need the proxy variables (mcp-proxy setup)" };
  if (direct.ok) {
    return {
      status: "fail",
      text: "direct works, through the proxy fails",
      fix: proxyUp ? "read mcp-proxy's log for this host (mcp-proxy --verbose)" : "start mcp-proxy from Terminal: mcp-proxy (or start_proxy.command)",
    };
  }
  if (!proxyUp) return { status: "fail", text: "both fail, and the proxy is not running", fix: "start mcp-proxy from Terminal, then run doctor again" };
  if (/ECONNREFUSED/.test(direct.error!)) return { status: "fail", text: "both fail: nothing accepts connections there", fix: "check the host and port, and that the service is up" };
  if (/ENOTFOUND|EAI_/.test(direct.error!)) return { status: "fail", text: "both fail: the name does not resolve", fix: "check the host name (a VPN may be needed for intranet names)" };
  if (unreachable.test(direct.error!)) {
    return { status: "fail", text: "both fail: the proxy itself is blocked", fix: "start mcp-proxy from Terminal (or start_proxy.command as a Login Item), not from launchd" };
  }
  return { status: "fail", text: "both fail", fix: "check the host and port; mcp-proxy --verbose logs why the proxy could not connect" };
}

export async function checkTarget(target: Target, proxy: ProxyTarget, proxyUp: boolean, timeoutMs: number): Promise<Check> {
  const [direct, proxied] = await Promise.all([probe(target.host, target.port, timeoutMs), throughProxy(target, proxy, timeoutMs)]);
  const { status, text, fix } = verdict(direct, proxied, proxyUp);
  const name = formatTarget(target);
  const message = `${name}: direct ${describe(direct)}, through the proxy ${describe(proxied)}: ${text}`;
  return { id: `reachability:${name}`, group: "reachability", status, message, ...(fix ? { fix } : {}) };
}
