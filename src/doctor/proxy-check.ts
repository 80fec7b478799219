/**
 * The proxy: does something listen on the port, is it mcp-proxy (its /healthz says
 * `"name": "mcp-proxy"` and the version), and is it this binary's version.
 *
 *   connect ─▶ GET /healthz ─▶ {name, version} ─▶ proxy.listening, proxy.identity, proxy.version
 */
import type { Check } from "./check.ts";
import { parseAnswer, probe, responseComplete } from "./probe.ts";

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface ProxyCheck {
  checks: Check[];
  /** Something accepted a connection on the port. */
  listening: boolean;
}

function startHint(port: number): string {
  return `start it from Terminal: mcp-proxy -p ${port} (or double-click start_proxy.command)`;
}

/** Reads `/healthz` as mcp-proxy answers it: `{"status":"ok","name":"mcp-proxy","version":"…"}`. */
export function identify(answer: string): { name?: string; version?: string; problem?: string } {
  const http = parseAnswer(answer);
  if (!http) return { problem: "it does not speak HTTP" };
  if (http.status !== 200) return { problem: `GET /healthz answered ${http.statusLine.slice(9)}` };
  try {
    const body = JSON.parse(http.body) as { name?: unknown; version?: unknown };
    if (body.name !== "mcp-proxy") return { problem: "GET /healthz does not name mcp-proxy" };
    return { name: body.name, version: typeof body.version === "string" ? body.version : "unknown" };
  } catch {
    return { problem: "GET /healthz did not answer JSON" };
  }
}

export async function checkProxy(target: ProxyTarget, version: string, timeoutMs: number): Promise<ProxyCheck> {
  const where = `${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;
  const request = `GET /healthz HTTP/1.1\r\nHost: ${where}\r\nConnection: close\r\n\r\n`;
  const result = await probe(target.host, target.port, timeoutMs, request, responseComplete);
  const connected = result.ok || result.error?.startsWith("no answer") || result.error === "closed without an answer";
  if (!connected) {
    const check: Check = { id: "proxy.listening", group: "proxy", status: "fail", message: `nothing listens on ${where} (${result.error})`, fix: startHint(target.port) };
    return { listening: false, checks: [check, skip("proxy.identity"), skip("proxy.version")] };
  }
  const checks: Check[] = [{ id: "proxy.listening", group: "proxy", status: "ok", message: `something listens on ${where}` }];
  const who = result.ok ? identify(result.answer) : { problem: result.error };
  if (who.problem !== undefined) {
    checks.push({
      id: "proxy.identity",
      group: "proxy",
      status: "fail",
      message: `the program on ${where} is not mcp-proxy: ${who.problem}`,
      fix: `see what holds the port with lsof -i :${target.port}; stop it, or run mcp-proxy on another port and point the servers there (mcp-proxy setup --force --port N)`,
    });
    return { listening: true, checks: [...checks, skip("proxy.version")] };
  }
  checks.push({ id: "proxy.identity", group: "proxy", status: "ok", message: `it is mcp-proxy ${who.version}` });
  if (who.version === version) checks.push({ id: "proxy.version", group: "proxy", status: "ok", message: `same version as this mcp-proxy (${version})` });
  else {
    checks.push({
      id: "proxy.version",
      group: "proxy",
      status: "warn",
      message: `the running proxy is ${who.version}, this mcp-proxy is ${version}`,
      fix: "stop the running proxy and start it again, so both are the same version",
    });
  }
  return { listening: true, checks };
}

function skip(id: string): Check {
  return { id, group: "proxy", status: "skip", message: "not checked: no mcp-proxy answered" };
}
