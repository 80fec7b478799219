/**
 * One open HTTP response carrying SSE: the byte stream Bun sends, keep-alive comments on a
 * timer, and backpressure towards whoever feeds it. Used by /sse (one per session) and /mcp
 * (one per open POST or GET response).
 *
 *   send(chunk) ─▶ held until body() ─▶ ReadableStream ─▶ client     every keepaliveMs ─▶ `: ping`
 *   client gone (stream cancel, or abort() from the request signal) ─▶ onGone(), once
 *
 * Writes after the end are dropped, never thrown (hono `utils/stream.ts` does the same): a
 * client can vanish between any two lines of its owner.
 */
import { encodeComment } from "./sse-writer.ts";

export interface SseSinkOptions {
  keepaliveMs: number;
  /** The client went away (not called after end()). */
  onGone(): void;
}

/** Bytes queued towards a slow client before ready() makes the feeder wait. */
const HIGH_WATER = 1024 * 1024;

export class SseSink {
  private live: ReadableStream<Uint8Array> | undefined;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** What was sent before the stream existed; it becomes the stream's first chunk. */
  private held: Uint8Array[] = [];
  private keepalive: Timer | undefined;
  private waiters: (() => void)[] = [];
  private done = false;
  private holdTimer: Timer | undefined;
  /** hold()'s opening, sent only if the wait ends before the first message. */
  private opening: Uint8Array | undefined;
  private release: (() => void) | undefined;

  constructor(private readonly options: SseSinkOptions) {}

  /** True until the client leaves or end() is called. */
  get open(): boolean {
    return !this.done;
  }

  /** The live byte stream; from its creation on, keep-alive comments run. */
  get stream(): ReadableStream<Uint8Array> {
    return (this.live ??= this.start());
  }

  /**
   * What a Response should carry: if the response is already over and never went live, its
   * whole body as bytes, which Bun writes with the head in one go; otherwise the live stream.
   * Bun 1.4 writes a streamed response's status line and headers the moment the handler
   * returns, and the rest of its head (Date, Content-Length or Transfer-Encoding) only with
   * the first chunk, as several small writes; a quick answer sent as bytes avoids all that.
   */
  body(): Uint8Array | ReadableStream<Uint8Array> {
    if (this.done && !this.live) return this.takeHeld();
    return this.stream;
  }

  /**
   * Resolves when the response should start: at the next send(), at the end, or after
   * `waitMs`, whichever is first. Awaiting this before body() lets a quick answer leave in the
   * same write as the head; the wait bounds how long a client waits for the head when the
   * answer is slow. Only a response that has to start before its first message begins with
   * `opening`: one that starts with a message needs no priming and no placeholder.
   */
  hold(opening: Uint8Array, waitMs: number): Promise<void> {
    this.opening = opening;
    return new Promise<void>((resolve) => {
      this.release = resolve;
      this.holdTimer = setTimeout(() => this.openEmpty(), waitMs);
    });
  }

  /** Queues a chunk; false if the response is over. */
  send(chunk: Uint8Array): boolean {
    if (this.done) return false;
    if (!this.controller) {
      this.opening = undefined;
      this.held.push(chunk);
      this.unhold();
      return true;
    }
    try {
      this.controller.enqueue(chunk);
      return true;
    } catch {
      // Cancelled under us; abort() is on its way.
      return false;
    }
  }

  /** Finishes the response normally. */
  end(): void {
    if (!this.finish()) return;
    try {
      this.controller?.close();
    } catch {
      // Already cancelled by the client.
    }
  }

  /** The client hung up (Bun reports it through the stream's cancel or the request's signal). */
  abort(): void {
    if (this.finish()) this.options.onGone();
  }

  /** Resolves once the client has room for more, or the response is over. */
  ready(): Promise<void> {
    if (this.done || (this.controller?.desiredSize ?? 1) > 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => this.ready());
  }

  // --- internal ---

  private start(): ReadableStream<Uint8Array> {
    const first = this.held.length > 0 ? this.takeHeld() : undefined;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          // One chunk, so the head and everything held leave in one write.
          if (first) controller.enqueue(first);
          if (this.done) controller.close();
        },
        pull: () => this.wake(),
        cancel: () => this.abort(),
      },
      { highWaterMark: HIGH_WATER, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    if (!this.done) this.keepalive = setInterval(() => this.send(encodeComment("ping")), this.options.keepaliveMs);
    return stream;
  }

  private takeHeld(): Uint8Array {
    const held = this.held;
    this.held = [];
    return held.length === 1 ? held[0]! : Buffer.concat(held);
  }

  /** The wait is over and nothing came: the response starts with its opening. */
  private openEmpty(): void {
    if (this.opening) this.held.unshift(this.opening);
    this.opening = undefined;
    this.unhold();
  }

  private unhold(): void {
    clearTimeout(this.holdTimer);
    this.release?.();
    this.release = undefined;
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    clearInterval(this.keepalive);
    this.unhold();
    this.wake();
    return true;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
