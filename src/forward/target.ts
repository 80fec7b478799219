/**
 * Pure: a CONNECT authority (RFC 9110 §9.3.6, `host:port`, IPv6 in brackets) → {host, port}.
 * Errors are HttpError(400) with a message that never echoes the raw target.
 */
import { HttpError } from "../errors.ts";

export interface Target {
  /** Hostname or address, IPv6 without brackets: what Bun.connect takes. */
  host: string;
  port: number;
}

/** reg-name characters we accept in a hostname: letters, digits, `-`, `.`, `_`. */
const hostname = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?\.?$/;
const ipv6 = /^[0-9A-Fa-f:.]+$/;

export function parseAuthority(authority: string): Target {
  let host: string;
  let portText: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) throw new HttpError(400, "invalid CONNECT target: unclosed IPv6 bracket");
    host = authority.slice(1, close);
    if (!host.includes(":") || !ipv6.test(host)) throw new HttpError(400, "invalid CONNECT target: bad IPv6 address");
    if (authority[close + 1] !== ":") throw new HttpError(400, "invalid CONNECT target: port missing");
    portText = authority.slice(close + 2);
  } else {
    const colon = authority.lastIndexOf(":");
    if (colon === -1) throw new HttpError(400, "invalid CONNECT target: port missing");
    host = authority.slice(0, colon);
    portText = authority.slice(colon + 1);
    if (host.includes(":")) throw new HttpError(400, "invalid CONNECT target: IPv6 address must be in brackets");
    if (!host) throw new HttpError(400, "invalid CONNECT target: host missing");
    if (!hostname.test(host)) throw new HttpError(400, "invalid CONNECT target: bad host name");
  }
  return { host, port: parsePortText(portText) };
}

function parsePortText(text: string): number {
  if (!text) throw new HttpError(400, "invalid CONNECT target: port missing");
  if (!/^\d{1,5}$/.test(text)) throw new HttpError(400, "invalid CONNECT target: port is not a number");
  const port = Number(text);
  if (port < 1 || port > 65535) throw new HttpError(400, "invalid CONNECT target: port out of range 1-65535");
  return port;
}

/** `host:port` for logs, IPv6 bracketed. */
export function formatTarget({ host, port }: Target): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
