/**
 * Pure: where a request wants to go.
 *
 * - parseAuthority: a CONNECT authority (RFC 9110 §9.3.6), `host:port`, IPv6 in brackets.
 * - parseHttpUrl: an absolute-form `http://` target (RFC 9112 §3.2.2) → host, port, the
 *   Host field to send, and the origin-form path. Userinfo is dropped; `https://` is refused
 *   (it belongs in a CONNECT tunnel).
 * Errors are HttpError(400) with a message that never echoes the raw target.
 */
import { HttpError } from "../errors.ts";

export interface Target {
  /** Hostname or address, IPv6 without brackets: what Bun.connect takes. */
  host: string;
  port: number;
}

export interface HttpUrlTarget extends Target {
  /** The Host field for the upstream request: IPv6 bracketed, `:80` left out. */
  hostHeader: string;
  /** Origin-form request target: path and query, at least `/`. */
  path: string;
}

/** reg-name characters we accept in a hostname: letters, digits, `-`, `.`, `_`. */
const hostname = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?\.?$/;
const ipv6 = /^[0-9A-Fa-f:.]+$/;
const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

export function parseAuthority(authority: string): Target {
  return splitHostPort(authority, "invalid CONNECT target", undefined);
}

export function parseHttpUrl(url: string): HttpUrlTarget {
  const match = scheme.exec(url);
  const name = match?.[1]?.toLowerCase();
  if (name === "https") throw new HttpError(400, "https:// URLs go through a CONNECT tunnel; set HTTPS_PROXY, not an absolute https URL");
  if (name !== "http") throw new HttpError(400, "only http:// URLs can be forwarded");
  const rest = url.slice(match![0].length);
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  let path = end === -1 ? "/" : rest.slice(end);
  const hash = path.indexOf("#");
  if (hash !== -1) path = path.slice(0, hash);
  if (!path.startsWith("/")) path = `/${path}`;
  const target = splitHostPort(authority.slice(authority.lastIndexOf("@") + 1), "invalid URL", 80);
  const host = target.host.toLowerCase();
  const shown = host.includes(":") ? `[${host}]` : host;
  return { host, port: target.port, hostHeader: target.port === 80 ? shown : `${shown}:${target.port}`, path };
}

function splitHostPort(authority: string, what: string, defaultPort: number | undefined): Target {
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) throw new HttpError(400, `${what}: unclosed IPv6 bracket`);
    host = authority.slice(1, close);
    if (!host.includes(":") || !ipv6.test(host)) throw new HttpError(400, `${what}: bad IPv6 address`);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw new HttpError(400, `${what}: junk after the IPv6 address`);
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = authority.lastIndexOf(":");
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
    if (host.includes(":")) throw new HttpError(400, `${what}: IPv6 address must be in brackets`);
    if (!host) throw new HttpError(400, `${what}: host missing`);
    if (!hostname.test(host)) throw new HttpError(400, `${what}: bad host name`);
  }
  if (portText === undefined || (portText === "" && defaultPort !== undefined)) {
    if (defaultPort === undefined) throw new HttpError(400, `${what}: port missing`);
    return { host, port: defaultPort };
  }
  return { host, port: parsePortText(portText, what) };
}

function parsePortText(text: string, what: string): number {
  if (!text) throw new HttpError(400, `${what}: port missing`);
  if (!/^\d{1,5}$/.test(text)) throw new HttpError(400, `${what}: port is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new HttpError(400, `${what}: port out of range 1-65535`);
  return port;
}

/** `host:port` for logs, IPv6 bracketed. */
export function formatTarget({ host, port }: Target): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
