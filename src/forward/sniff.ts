/**
 * Pure: the first bytes of a connection → where it goes.
 *
 *   "CONNECT host:port HTTP/1.1 …\r\n\r\n"  → connect  (needs the whole head: data follows it)
 *   "GET http://host/path HTTP/1.1 …"       → absolute (needs the whole head: it is rewritten)
 *   "GET /sse HTTP/1.1"                      → origin   (decided on the request line alone)
 *   anything else                            → invalid  (400, or 414/431 past the caps)
 *
 * Decides as early as it can, so garbage (a TLS ClientHello on the plain port) is refused on
 * its first byte instead of waiting for a line end that never comes.
 */
import { latin1 } from "../bytes.ts";
import { MAX_REQUEST_HEAD, MAX_REQUEST_LINE } from "../options.ts";

export interface RequestLine {
  method: string;
  target: string;
  version: string;
}

export type Sniffed =
  | { kind: "incomplete" }
  | { kind: "invalid"; status: 400 | 414 | 431; reason: string }
  | { kind: "origin" }
  | { kind: "connect" | "absolute"; line: RequestLine; headLength: number; head: string };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

/** tchar per RFC 9110 §5.6.2. */
const tchar = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") tchar[c.charCodeAt(0)] = 1;

const absoluteForm = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export interface SniffLimits {
  maxLine: number;
  maxHead: number;
}

const defaultLimits: SniffLimits = { maxLine: MAX_REQUEST_LINE, maxHead: MAX_REQUEST_HEAD };

/**
 * `searchFrom` lets a caller that feeds bytes as they come skip the part of the head it has
 * already searched for the empty line, so a head sent one byte at a time costs O(n), not O(n²).
 */
export function sniff(buf: Uint8Array, limits: SniffLimits = defaultLimits, searchFrom = 0): Sniffed {
  const methodEnd = scanMethod(buf);
  if (methodEnd === -1) return invalid(400, "malformed request line");
  const lineEnd = buf.indexOf(LF);
  if (lineEnd === -1) {
    return buf.length > limits.maxLine ? invalid(414, "request line too long") : { kind: "incomplete" };
  }
  if (lineEnd > limits.maxLine) return invalid(414, "request line too long");
  const line = parseRequestLine(buf.subarray(0, lineEnd > 0 && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd));
  if (!line) return invalid(400, "malformed request line");

  const isConnect = line.method === "CONNECT";
  if (!isConnect && !absoluteForm.test(line.target)) {
    return line.target.startsWith("/") || line.target === "*" ? { kind: "origin" } : invalid(400, "malformed request target");
  }
  const headLength = findHeadEnd(buf, Math.max(lineEnd, searchFrom));
  if (headLength === -1) {
    return buf.length > limits.maxHead ? invalid(431, "request head too large") : { kind: "incomplete" };
  }
  if (headLength > limits.maxHead) return invalid(431, "request head too large");
  const head = latin1(buf, 0, headLength);
  return { kind: isConnect ? "connect" : "absolute", line, headLength, head };
}

/** Index of the space after the method; -1 if a byte so far cannot belong to one; length if not seen yet. */
function scanMethod(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === SP) return i === 0 ? -1 : i;
    if (b >= 128 || !tchar[b]) return -1;
  }
  return buf.length;
}

/** `method SP request-target SP HTTP-version` (RFC 9112 §3), HTTP/1.x only. */
function parseRequestLine(bytes: Uint8Array): RequestLine | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x21 && b !== SP) || b === 0x7f) return undefined; // CTL, NUL, bare CR, DEL
  }
  const text = latin1(bytes);
  const parts = text.split(" ");
  if (parts.length !== 3) return undefined;
  const [method, target, version] = parts as [string, string, string];
  if (!method || !target || !/^HTTP\/1\.[01]$/.test(version)) return undefined;
  return { method, target, version };
}

/** Length of the head through its empty line (CRLF CRLF, or bare LF LF per RFC 9112 §2.2); -1 if not yet. */
export function findHeadEnd(buf: Uint8Array, from: number): number {
  for (let i = buf.indexOf(LF, from); i !== -1; i = buf.indexOf(LF, i + 1)) {
    const next = buf[i + 1];
    if (next === LF) return i + 2;
    if (next === CR && buf[i + 2] === LF) return i + 3;
    if (next === undefined || (next === CR && buf[i + 2] === undefined)) return -1;
  }
  return -1;
}

function invalid(status: 400 | 414 | 431, reason: string): Sniffed {
  return { kind: "invalid", status, reason };
}
