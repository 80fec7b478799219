/**
 * Pure: where the HTTP/1.1 messages on one client ↔ app connection begin and end, so the front
 * can tell an idle kept-alive connection from one with work in flight.
 *
 *   client bytes ─▶ request head (buffered until its empty line) ─▶ body (its framing) ─┐
 *   app bytes    ─▶ response head ─▶ 1xx: another head │ body (its framing) ─▶ answered ◀┘
 *
 *   idle   nothing in flight and no partial request: the --idle-timeout applies
 *   head   part of a request head, nothing in flight: the --header-timeout applies
 *   body   a request body is still coming: the --idle-timeout applies between its bytes
 *   busy   a request or its response is under way (an SSE stream, a slow tool): no timeout
 *   broken a message we cannot frame (the app then answers 400 and closes): bounded like a head
 *
 * The front stops parsing a connection once it hands it to the app, so without this it could
 * not bound anything after the first request (issue 11). It reads only what framing needs
 * (the method, the status, Content-Length, Transfer-Encoding), straight from the bytes: a full
 * head parse per message was a visible share of /healthz's cost. Bun.serve parses the request
 * strictly behind us; where we read a head another way than Bun, the worst is a connection
 * closed early (idle) or kept while its body is awaited, as any upload is.
 */
import { BodyFramer, type Framing } from "../forward/body-framer.ts";
import { concatBytes, latin1 } from "../bytes.ts";
import { MAX_REQUEST_HEAD } from "../options.ts";
import { findHeadEnd } from "../forward/sniff.ts";

export type AppTrafficState = "idle" | "head" | "body" | "busy" | "broken";

/** Longest response head we buffer (the app's own heads are a few hundred bytes). */
const MAX_RESPONSE_HEAD = 64 * 1024;
const empty = new Uint8Array(0);

class Direction {
  head: Uint8Array = empty;
  body: BodyFramer | undefined;
}

export class AppTraffic {
  private readonly up = new Direction();
  private readonly down = new Direction();
  /** Methods of requests whose heads are complete and whose final response has not ended. */
  private readonly waiting: string[] = [];
  private failed = false;

  constructor(private readonly onChange: (state: AppTrafficState) => void = () => {}) {}

  get state(): AppTrafficState {
    if (this.failed) return "broken";
    if (this.up.body) return "body";
    if (this.waiting.length > 0 || this.down.body || this.down.head.length > 0) return "busy";
    return this.up.head.length > 0 ? "head" : "idle";
  }

  /** A request waits for its answer and no byte of one has come: an error written now is read as that answer. */
  get unanswered(): boolean {
    return this.waiting.length > 0 && this.down.head.length === 0 && this.down.body === undefined;
  }

  /** Bytes the client sent toward the app. */
  fromClient(bytes: Uint8Array): void {
    this.feed(bytes, (chunk) => this.readRequest(chunk));
  }

  /** Bytes the app sent toward the client. */
  fromApp(bytes: Uint8Array): void {
    this.feed(bytes, (chunk) => this.readResponse(chunk));
  }

  private feed(bytes: Uint8Array, read: (bytes: Uint8Array) => void): void {
    if (this.failed) return;
    const before = this.state;
    try {
      read(bytes);
    } catch {
      this.failed = true;
    }
    const after = this.state;
    if (after !== before) this.onChange(after);
  }

  private readRequest(bytes: Uint8Array): void {
    const d = this.up;
    while (bytes.length > 0) {
      if (d.body) {
        bytes = bytes.subarray(d.body.feed(bytes));
        if (d.body.done) d.body = undefined;
        continue;
      }
      const head = this.takeHead(d, bytes, MAX_REQUEST_HEAD);
      if (!head) return;
      bytes = head.rest;
      const fields = framingFields(head.bytes);
      this.waiting.push(isHead(head.bytes) ? "HEAD" : "other");
      const framing: Framing = fields.transferEncoding ? { kind: "chunked" } : fields.length > 0 ? { kind: "length", length: fields.length } : { kind: "none" };
      if (framing.kind !== "none") d.body = new BodyFramer(framing);
      if (d.body?.done) d.body = undefined;
    }
  }

  private readResponse(bytes: Uint8Array): void {
    const d = this.down;
    while (bytes.length > 0) {
      if (d.body) {
        bytes = bytes.subarray(d.body.feed(bytes));
        if (!d.body.done) continue;
        d.body = undefined;
        this.waiting.shift();
        continue;
      }
      const head = this.takeHead(d, bytes, MAX_RESPONSE_HEAD);
      if (!head) return;
      bytes = head.rest;
      const status = statusOf(head.bytes);
      // 101 would switch protocols: the app never does, and we could not follow it.
      if (status === 101) throw new Error("protocol switch");
      if (status < 200) continue; // 100 Continue, 103: the final response follows
      const framing = responseFraming(this.waiting[0] ?? "other", status, framingFields(head.bytes));
      if (framing.kind === "none") this.waiting.shift();
      else d.body = new BodyFramer(framing);
      if (d.body?.done) {
        d.body = undefined;
        this.waiting.shift();
      }
    }
  }

  /** Appends to the direction's partial head; the complete head and what follows it, once there is one. */
  private takeHead(d: Direction, bytes: Uint8Array, max: number): { bytes: Uint8Array; rest: Uint8Array } | undefined {
    const from = Math.max(0, d.head.length - 3);
    const buffer = d.head.length === 0 ? bytes : concatBytes(d.head, bytes);
    // Stray CRLFs between messages are allowed before a request line (RFC 9112 §2.2).
    let start = 0;
    while (d.head.length === 0 && start < buffer.length && (buffer[start] === 0x0d || buffer[start] === 0x0a)) start++;
    const end = findHeadEnd(buffer, Math.max(from, start));
    if (end === -1) {
      if (buffer.length - start > max) throw new Error("head too large");
      d.head = buffer.slice(start);
      return undefined;
    }
    d.head = empty;
    return { bytes: buffer.subarray(start, end), rest: buffer.subarray(end) };
  }
}

interface FramingFields {
  /** Content-Length, or -1 when absent. */
  length: number;
  /** Any Transfer-Encoding at all (a request with one is chunked or refused by the app). */
  transferEncoding: boolean;
  /** Transfer-Encoding ends with chunked. */
  chunked: boolean;
}

const CONTENT_LENGTH = "content-length";
const TRANSFER_ENCODING = "transfer-encoding";

/** The framing fields of a complete head, read from its bytes without building strings for the rest. */
function framingFields(head: Uint8Array): FramingFields {
  const fields: FramingFields = { length: -1, transferEncoding: false, chunked: false };
  for (let at = head.indexOf(0x0a) + 1; at > 0 && at < head.length; ) {
    const eol = head.indexOf(0x0a, at);
    const end = eol === -1 ? head.length : eol;
    const first = head[at]! | 0x20;
    if (first === 0x63 && nameIs(head, at, end, CONTENT_LENGTH)) {
      const value = valueAfter(head, at + CONTENT_LENGTH.length, end);
      if (!/^\d{1,15}$/.test(value) || (fields.length !== -1 && Number(value) !== fields.length)) throw new Error("bad Content-Length");
      fields.length = Number(value);
    } else if (first === 0x74 && nameIs(head, at, end, TRANSFER_ENCODING)) {
      fields.transferEncoding = true;
      if (/(^|,)[ \t]*chunked$/i.test(valueAfter(head, at + TRANSFER_ENCODING.length, end))) fields.chunked = true;
    }
    at = end + 1;
  }
  return fields;
}

/** Whether the line at `at` starts with `name` (any case) and a colon. */
function nameIs(head: Uint8Array, at: number, end: number, name: string): boolean {
  if (end - at <= name.length || head[at + name.length] !== 0x3a) return false;
  for (let i = 0; i < name.length; i++) if ((head[at + i]! | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** The value after the colon at `colon`, without OWS and the CR. */
function valueAfter(head: Uint8Array, colon: number, end: number): string {
  return latin1(head, colon + 1, end).trim();
}

/** Whether a request head's method is HEAD. */
function isHead(head: Uint8Array): boolean {
  return head[0] === 0x48 && head[1] === 0x45 && head[2] === 0x41 && head[3] === 0x44 && head[4] === 0x20;
}

/** The status of `HTTP/1.x NNN …`; throws on anything else. */
function statusOf(head: Uint8Array): number {
  const status = (head[9]! - 0x30) * 100 + (head[10]! - 0x30) * 10 + (head[11]! - 0x30);
  const separated = head[12] === 0x20 || head[12] === 0x0d;
  if (latin1(head, 0, 7) !== "HTTP/1." || !separated || !(status >= 100 && status <= 999)) throw new Error("malformed status line");
  return status;
}

function responseFraming(method: string, status: number, fields: FramingFields): Framing {
  if (method === "HEAD" || status === 204 || status === 304) return { kind: "none" };
  if (fields.chunked) return { kind: "chunked" };
  return fields.length >= 0 ? { kind: "length", length: fields.length } : { kind: "close" };
}
