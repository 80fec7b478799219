/**
 * Pure: what a forward proxy does to heads on their way through.
 *
 * - Hop-by-hop fields go (RFC 9110 §7.6.1): Connection and every field it names,
 *   Proxy-Connection, Keep-Alive, TE, Trailer, Upgrade (unless relaying an upgrade), and the
 *   proxy's own Proxy-Authorization / Proxy-Authenticate. Everything else is kept in order,
 *   duplicates included.
 * - `Via: 1.1 mcp-proxy` is added (RFC 9110 §7.6.3), without version or host name.
 * - Framing is decided per RFC 9112 §6.3, and every ambiguity is refused.
 */
import { HttpError } from "../errors.ts";
import type { Framing } from "./body-framer.ts";
import { tokens, type HeaderField, type RequestHead, type ResponseHead } from "./http-head.ts";

const hopByHop = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
  "proxy-authorization",
  "proxy-authenticate",
]);

export const VIA = "1.1 mcp-proxy";

/** Fields that frame the message: never removed because Connection names them. */
const framingFields = ["content-length", "transfer-encoding"];

/** The fields that survive a hop; `keepUpgrade` keeps Upgrade for a relayed upgrade. */
export function endToEnd(headers: HeaderField[], keepUpgrade = false): HeaderField[] {
  let hop = false;
  for (const { key } of headers) if (hopByHop.has(key)) hop = true;
  if (!hop) return headers.slice(); // no Connection field, so nothing it could name either
  const named = new Set(tokens(headers, "connection"));
  // `Connection: content-length` must not strip the framing we framed the body by: the next hop
  // would read the body as the start of the next message (request smuggling / response desync).
  for (const framing of framingFields) named.delete(framing);
  return headers.filter(({ key }) => {
    if (keepUpgrade && key === "upgrade") return true;
    return !hopByHop.has(key) && !named.has(key);
  });
}

/** Request framing; anything two parsers could read differently is a 400 (RFC 9112 §6.3). */
export function requestFraming(head: RequestHead): Framing {
  const te: HeaderField[] = [];
  const cl: HeaderField[] = [];
  for (const field of head.headers) {
    if (field.key === "transfer-encoding") te.push(field);
    else if (field.key === "content-length") cl.push(field);
  }
  if (te.length > 0 && cl.length > 0) throw new HttpError(400, "bad request: both Content-Length and Transfer-Encoding");
  if (te.length > 0) {
    if (head.version === "HTTP/1.0") throw new HttpError(400, "bad request: Transfer-Encoding in an HTTP/1.0 request");
    const codings = tokens(head.headers, "transfer-encoding");
    if (codings[codings.length - 1] !== "chunked") throw new HttpError(400, "bad request: Transfer-Encoding does not end in chunked");
    if (codings.filter((c) => c === "chunked").length > 1) throw new HttpError(400, "bad request: chunked applied twice");
    return { kind: "chunked" };
  }
  if (cl.length > 1) throw new HttpError(400, "bad request: more than one Content-Length");
  if (cl.length === 1) return { kind: "length", length: contentLength(cl[0]!.value, 400) };
  return { kind: "none" };
}

/** Response framing (RFC 9112 §6.3); a bad Content-Length from upstream is a 502. */
export function responseFraming(method: string, head: ResponseHead): Framing {
  const { status } = head;
  if (method === "HEAD" || (status >= 100 && status < 200) || status === 204 || status === 304) return { kind: "none" };
  const te = tokens(head.headers, "transfer-encoding");
  if (te.length > 0) return te[te.length - 1] === "chunked" ? { kind: "chunked" } : { kind: "close" };
  // Repeated or comma-listed values must all agree (RFC 9110 §8.6); tokens() splits and trims.
  const values = tokens(head.headers, "content-length");
  if (values.length > 0 || head.headers.some((f) => f.key === "content-length")) {
    if (values.length === 0 || values.some((value) => value !== values[0])) {
      throw new HttpError(502, "bad response from upstream: conflicting or empty Content-Length");
    }
    return { kind: "length", length: contentLength(values[0]!, 502) };
  }
  return { kind: "close" };
}

function contentLength(value: string, status: 400 | 502): number {
  if (!/^\d{1,15}$/.test(value)) {
    throw new HttpError(status, status === 400 ? "bad request: invalid Content-Length" : "bad response from upstream: invalid Content-Length");
  }
  return Number(value);
}

/** Whether the client wants the connection kept after this exchange (RFC 9112 §9.3). */
export function clientKeepsAlive(head: RequestHead): boolean {
  const connection = tokens(head.headers, "connection");
  if (connection.includes("close")) return false;
  return head.version === "HTTP/1.1" || connection.includes("keep-alive");
}

/** Whether the upstream lets us reuse its connection after this response. */
export function upstreamKeepsAlive(head: ResponseHead): boolean {
  const connection = tokens(head.headers, "connection");
  if (connection.includes("close")) return false;
  return head.version === "HTTP/1.1" || connection.includes("keep-alive");
}

/** Serialises a head: first line, fields in order, CRLF CRLF. */
export function serializeHead(firstLine: string, fields: { name: string; value: string }[]): string {
  let out = `${firstLine}\r\n`;
  for (const { name, value } of fields) out += `${name}: ${value}\r\n`;
  return `${out}\r\n`;
}
