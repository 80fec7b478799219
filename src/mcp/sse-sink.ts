/**
 * One open HTTP response carrying SSE: the byte stream Bun sends, keep-alive comments on a
 * timer, and backpressure towards whoever feeds it. Used by /sse (one per session) and /mcp
 * (one per open POST or GET response).
 *
 *   send(chunk) ─▶ ReadableStream ─▶ client        every keepaliveMs ─▶ `: ping`
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
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly keepalive: Timer;
  private waiters: (() => void)[] = [];
  private done = false;
  private opening: Uint8Array | undefined;
  private openingTimer: Timer | undefined;

  constructor(private readonly options: SseSinkOptions) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.controller = controller),
        pull: () => this.wake(),
        cancel: () => this.abort(),
      },
      { highWaterMark: HIGH_WATER, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    this.keepalive = setInterval(() => this.send(encodeComment("ping")), options.keepaliveMs);
  }

  /** True until the client leaves or end() is called. */
  get open(): boolean {
    return !this.done;
  }

  /**
   * Bytes that must open the response, sent with the first send() if one comes within
   * `waitMs`, else alone. Bun sends a streamed response's headers only with its first chunk,
   * so the opening bounds how long a client waits for them, and the wait saves a write per
   * request when the answer is quick (the common case).
   */
  setOpening(chunk: Uint8Array, waitMs: number): void {
    this.opening = chunk;
    this.openingTimer = setTimeout(() => this.send(new Uint8Array(0)), waitMs);
  }

  /** Queues a chunk; false if the response is over. */
  send(chunk: Uint8Array): boolean {
    if (this.done) return false;
    if (this.opening) {
      clearTimeout(this.openingTimer);
      chunk = chunk.length === 0 ? this.opening : Buffer.concat([this.opening, chunk]);
      this.opening = undefined;
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
      this.controller.close();
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
    if (this.done || (this.controller.desiredSize ?? 1) > 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => this.ready());
  }

  private finish(): boolean {
    if (this.done) return false;
    if (this.opening) this.send(new Uint8Array(0));
    this.done = true;
    clearInterval(this.keepalive);
    clearTimeout(this.openingTimer);
    this.wake();
    return true;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
