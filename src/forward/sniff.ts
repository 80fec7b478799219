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
import { latin1, latin1Bytes } from "../bytes.ts";
import { MAX_REQUEST_HEAD, MAX_REQUEST_LINE } from "../options.ts";

export type Sniffed =
  | { kind: "incomplete" }
  | { kind: "invalid"; status: 400 | 414 | 431; reason: string }
  | { kind: "origin" }
  /** `target` is the CONNECT authority as sent; the head's text is latin1(buf, 0, headLength) when wanted. */
  | { kind: "connect"; target: string; headLength: number }
  | { kind: "absolute"; headLength: number };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const SLASH = 0x2f;
const STAR = 0x2a;
const COLON = 0x3a;

/** tchar per RFC 9110 §5.6.2. */
const tchar = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") tchar[c.charCodeAt(0)] = 1;

const CONNECT = latin1Bytes("CONNECT");
const HTTP1 = latin1Bytes("HTTP/1.");

export interface SniffLimits {
  maxLine: number;
  maxHead: number;
}

const defaultLimits: SniffLimits = { maxLine: MAX_REQUEST_LINE, maxHead: MAX_REQUEST_HEAD };
const incomplete: Sniffed = Object.freeze({ kind: "incomplete" });
const origin: Sniffed = Object.freeze({ kind: "origin" });

/**
 * `searchFrom` lets a caller that feeds bytes as they come skip the part of the head it has
 * already searched for the empty line, so a head sent one byte at a time costs O(n), not O(n²).
 *
 * The request line is read byte by byte in one pass, and only a CONNECT's authority becomes a
 * string: on a churn of short tunnels each native call here (a decode, a split, a regex) cost
 * more than the whole scan.
 */
export function sniff(buf: Uint8Array, limits: SniffLimits = defaultLimits, searchFrom = 0): Sniffed {
  // method SP request-target SP HTTP-version (RFC 9112 §3), HTTP/1.x only.
  const methodEnd = scanMethod(buf);
  if (methodEnd === buf.length) return lineIncomplete(buf, limits);
  if (methodEnd === 0 || buf[methodEnd] !== SP) return invalid(400, "malformed request line");
  const targetEnd = scanTarget(buf, methodEnd + 1);
  if (targetEnd === buf.length) return lineIncomplete(buf, limits);
  if (targetEnd === methodEnd + 1 || buf[targetEnd] !== SP) return invalid(400, "malformed request line");
  const lineEnd = buf.indexOf(LF, targetEnd);
  if (lineEnd === -1) return lineIncomplete(buf, limits);
  if (lineEnd > limits.maxLine) return invalid(414, "request line too long");
  const versionEnd = buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
  if (!isHttp1(buf, targetEnd + 1, versionEnd)) return invalid(400, "malformed request line");

  const isConnect = equals(buf, 0, methodEnd, CONNECT);
  if (!isConnect && !isAbsoluteForm(buf, methodEnd + 1, targetEnd)) {
    const first = buf[methodEnd + 1];
    const asterisk = first === STAR && targetEnd === methodEnd + 2;
    return first === SLASH || asterisk ? origin : invalid(400, "malformed request target");
  }
  const headLength = findHeadEnd(buf, Math.max(lineEnd, searchFrom));
  if (headLength === -1) return buf.length > limits.maxHead ? invalid(431, "request head too large") : incomplete;
  if (headLength > limits.maxHead) return invalid(431, "request head too large");
  return isConnect ? { kind: "connect", target: latin1(buf, methodEnd + 1, targetEnd), headLength } : { kind: "absolute", headLength };
}

function lineIncomplete(buf: Uint8Array, limits: SniffLimits): Sniffed {
  return buf.length > limits.maxLine ? invalid(414, "request line too long") : incomplete;
}

/** The index of the first byte that cannot be in a method (not a tchar), or buf.length. */
function scanMethod(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length && buf[i]! < 128 && tchar[buf[i]!] === 1) i++;
  return i;
}

/** The index of the first space, control byte (NUL, bare CR or LF included) or DEL from `from`, or buf.length. */
function scanTarget(buf: Uint8Array, from: number): number {
  let i = from;
  while (i < buf.length && buf[i]! > SP && buf[i] !== 0x7f) i++;
  return i;
}

/** `HTTP/1.0` or `HTTP/1.1`, exactly, in buf[from, end). */
function isHttp1(buf: Uint8Array, from: number, end: number): boolean {
  if (end - from !== HTTP1.length + 1 || !equals(buf, from, from + HTTP1.length, HTTP1)) return false;
  const minor = buf[end - 1];
  return minor === 0x30 || minor === 0x31;
}

/** `scheme "://"` (RFC 3986 §3.1) at the start of buf[from, end). */
function isAbsoluteForm(buf: Uint8Array, from: number, end: number): boolean {
  const first = buf[from]!;
  if (!isAlpha(first)) return false;
  let i = from + 1;
  while (i < end && (isAlpha(buf[i]!) || isDigit(buf[i]!) || buf[i] === 0x2b || buf[i] === 0x2d || buf[i] === 0x2e)) i++;
  return i + 2 < end && buf[i] === COLON && buf[i + 1] === SLASH && buf[i + 2] === SLASH;
}

function isAlpha(byte: number): boolean {
  return (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a;
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

function equals(buf: Uint8Array, from: number, end: number, expected: Uint8Array): boolean {
  if (end - from !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (buf[from + i] !== expected[i]) return false;
  return true;
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
