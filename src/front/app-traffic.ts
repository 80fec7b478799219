/**
 * Pure: where the HTTP/1.1 messages on one client ↔ app connection begin and end, so the front
 * can tell an idle kept-alive connection from one with work in flight.
 *
 *   client bytes ─▶ request head (buffered until its empty line) ─▶ body (its framing) ─┐
 *   app bytes    ─▶ response head ─▶ 1xx: another head │ body (its framing) ─▶ answered ◀┘
 *
 *   idle   nothing in flight and no partial request: the --idle-timeout applies
 *   head   part of a request head, nothing in flight: the --header-timeout applies
 *   busy   a request or its response is under way (an SSE stream, a slow tool): no timeout
 *   broken a message we cannot frame (the app then answers 400 and closes): bounded like a head
 *
 * The front stops parsing a connection once it hands it to the app, so without this it could
 * not bound anything after the first request (issue 11).
 */
import { BodyFramer, type Framing } from "../forward/body-framer.ts";
import { parseRequestHead, parseResponseHead, tokens, type HeaderField } from "../forward/http-head.ts";
import { concatBytes, latin1 } from "../bytes.ts";
import { MAX_REQUEST_HEAD } from "../options.ts";
import { findHeadEnd } from "./sniff.ts";

export type AppTrafficState = "idle" | "head" | "busy" | "broken";

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
    if (this.waiting.length > 0 || this.up.body || this.down.body || this.down.head.length > 0) return "busy";
    return this.up.head.length > 0 ? "head" : "idle";
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
      const request = parseRequestHead(head.text);
      this.waiting.push(request.method);
      const framing = requestFraming(request.headers);
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
      const response = parseResponseHead(head.text);
      // 101 would switch protocols: the app never does, and we could not follow it.
      if (response.status === 101) throw new Error("protocol switch");
      if (response.status < 200) continue; // 100 Continue, 103: the final response follows
      const framing = responseFraming(this.waiting[0] ?? "GET", response.status, response.headers);
      if (framing.kind === "none") this.waiting.shift();
      else d.body = new BodyFramer(framing);
      if (d.body?.done) {
        d.body = undefined;
        this.waiting.shift();
      }
    }
  }

  /** Appends to the direction's partial head; the complete head and what follows it, once there is one. */
  private takeHead(d: Direction, bytes: Uint8Array, max: number): { text: string; rest: Uint8Array } | undefined {
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
    return { text: latin1(buffer, start, end), rest: buffer.subarray(end) };
  }
}

function requestFraming(headers: HeaderField[]): Framing {
  if (tokens(headers, "transfer-encoding").length > 0) return { kind: "chunked" };
  const length = contentLength(headers);
  return length > 0 ? { kind: "length", length } : { kind: "none" };
}

function responseFraming(method: string, status: number, headers: HeaderField[]): Framing {
  if (method === "HEAD" || status === 204 || status === 304) return { kind: "none" };
  if (tokens(headers, "transfer-encoding").includes("chunked")) return { kind: "chunked" };
  const length = contentLength(headers);
  return length >= 0 ? { kind: "length", length } : { kind: "close" };
}

/** -1 when absent; throws on a value two parsers could read two ways. */
function contentLength(headers: HeaderField[]): number {
  let length = -1;
  for (const field of headers) {
    if (field.key !== "content-length") continue;
    if (!/^\d{1,15}$/.test(field.value) || (length !== -1 && Number(field.value) !== length)) throw new Error("bad Content-Length");
    length = Number(field.value);
  }
  return length;
}
