/**
 * Reads one response off the upstream bytes, without doing any I/O itself:
 *
 *   head bytes (capped) ─parse─▶ 1xx → sink.interim, read on │ 101 → sink.switching
 *                                final → sink.final, then the body by its framing
 *   body bytes ─framer─▶ sink.body ─done─▶ sink.complete (bytes past the framing flagged)
 *
 * Malformed heads become sink.fail(502, …); a framing error mid-body becomes sink.broken().
 */
import { concatBytes, latin1 } from "../bytes.ts";
import type { HttpError } from "../errors.ts";
import { findHeadEnd } from "./sniff.ts";
import { BodyFramer, type Framing } from "./body-framer.ts";
import { responseFraming } from "./headers.ts";
import { parseResponseHead, type ResponseHead } from "./http-head.ts";

const MAX_RESPONSE_HEAD = 64 * 1024;

export interface ResponseSink {
  interim(head: ResponseHead): void;
  switching(head: ResponseHead, rest: Uint8Array): void;
  /** The final head; returns whether the payload should be handed over decoded (dechunked). */
  final(head: ResponseHead, framing: Framing): { decoded: boolean };
  /** Body bytes for the client: raw as framed, or the decoded payload when final() asked. */
  body(bytes: Uint8Array): void;
  /** The body is complete; `extra` when the upstream sent bytes past its framing. */
  complete(extra: boolean): void;
  fail(status: number, message: string): void;
  broken(): void;
}

export class ResponseReader {
  head: ResponseHead | undefined;
  framer: BodyFramer | undefined;
  /** Body bytes read as framed on the wire. */
  bodyBytes = 0;
  private headBuffer: Uint8Array = new Uint8Array(0);
  private decoded = false;
  private stopped = false;

  constructor(
    private readonly method: string,
    private readonly sink: ResponseSink,
  ) {}

  /** Whether any byte of a response has arrived. */
  get begun(): boolean {
    return this.head !== undefined || this.headBuffer.length > 0;
  }

  feed(chunk: Uint8Array): void {
    if (this.stopped) return;
    if (this.framer) return this.feedBody(chunk);
    const buffer = concatBytes(this.headBuffer, chunk);
    const end = findHeadEnd(buffer, 0);
    // The cap holds whether or not the empty line has arrived yet (a big head can come whole).
    if (end > MAX_RESPONSE_HEAD || (end === -1 && buffer.length > MAX_RESPONSE_HEAD)) {
      return this.stop(() => this.sink.fail(502, "bad response from upstream: head too large"));
    }
    if (end === -1) {
      this.headBuffer = buffer;
      return;
    }
    this.headBuffer = new Uint8Array(0);
    let head: ResponseHead;
    let framing: Framing;
    try {
      head = parseResponseHead(latin1(buffer, 0, end));
      framing = responseFraming(this.method, head);
    } catch (error) {
      return this.stop(() => this.sink.fail(502, (error as HttpError).message));
    }
    const rest = buffer.subarray(end);
    if (head.status === 101) return this.stop(() => this.sink.switching(head, rest));
    if (head.status < 200) {
      this.sink.interim(head);
      if (rest.length > 0) this.feed(rest);
      return;
    }
    this.head = head;
    this.decoded = this.sink.final(head, framing).decoded;
    this.framer = new BodyFramer(framing, this.decoded ? (data) => this.sink.body(data) : undefined);
    if (this.framer.done || rest.length > 0) this.feedBody(rest);
  }

  /** The upstream closed cleanly; true when that completed a close-delimited body. */
  closedCleanly(): boolean {
    if (this.stopped || this.framer?.framing.kind !== "close") return false;
    this.framer.done = true;
    this.stop(() => this.sink.complete(false));
    return true;
  }

  private feedBody(chunk: Uint8Array): void {
    const framer = this.framer!;
    let taken: number;
    try {
      taken = framer.feed(chunk);
    } catch {
      return this.stop(() => this.sink.broken());
    }
    this.bodyBytes += taken;
    if (!this.decoded && taken > 0) this.sink.body(chunk.subarray(0, taken));
    if (framer.done) this.stop(() => this.sink.complete(taken < chunk.length));
  }

  private stop(then: () => void): void {
    this.stopped = true;
    then();
  }
}
