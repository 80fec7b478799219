/**
 * The bounded buffer in front of a child's stdin: clients get their answer once a message is
 * queued here, never after the child has read it, and a child that stops reading is noticed.
 *
 *   write(lines) ─▶ fits in maxBytes (or the buffer is empty) ─▶ queued, resolves at once
 *                ─▶ no room ─▶ waits its turn (FIFO) ─▶ queued once the child has read enough
 *   pump: ≤ CHUNK_BYTES ─▶ sink.write ─▶ sink.flush, one flush at a time
 *   a flush pending for stallMs (the child read nothing for that long) ─▶ onStall(), once
 *     (time we spent not reading the child's stdout, because our clients were slow, does not count)
 *   fail(error) (stall, child gone, session closing) ─▶ every waiter and later write rejects
 *
 * Why not write straight to Bun's FileSink: measured with Bun 1.4.5 on Linux, against a child
 * that never reads its stdin (test/fixtures/deaf-server.ts, and `sleep`):
 * - write() never refuses and never blocks: it returns a byte count until the pipe and Bun's
 *   own buffer (~180 KiB in all) are full, then a pending Promise; and it keeps accepting
 *   after that, buffering without bound (another 10 MiB queued, RSS grew by as much).
 * - flush() returns a Promise that stays pending as long as the child does not read; every
 *   write() Promise after the pipe filled is that same pending flush.
 * - Those Promises reject with EPIPE only once the child is dead; a rejected write() Promise
 *   with no flush() awaited after it is an unhandled rejection, which ends the whole process.
 * - end() with bytes still queued returns a pending Promise too (rejected with EPIPE later).
 * So the bound, the waiting and the stall clock live here, and each flush is of at most
 * CHUNK_BYTES: a flush that completes proves the child read at least that much since the last
 * one, so a slow but live reader (a server busy with heavy, healthy load) is never taken for
 * a deaf one. The kernel's pipe buffer (64 KiB by default on Linux) adds to maxBytes: a small
 * message that fits in it is "written" even if the child never reads it.
 */

/** The part of Bun's FileSink (`Bun.spawn` with `stdin: "pipe"`) used here. */
export interface StdinSink {
  /** Bytes written, or a Promise (pending while the pipe is full: see the measurements above). */
  write(chunk: Uint8Array): number | Promise<number>;
  flush(): number | Promise<number>;
}

export interface StdinWriterOptions {
  /** Bytes queued (not yet taken by the pipe) before a write must wait; one write always fits an empty buffer. */
  maxBytes: number;
  /** How long a flush may stay pending (the child reading nothing) before onStall. */
  stallMs: number;
  /** The child has not read its stdin for stallMs; called once, with bytes still queued. */
  onStall(queuedBytes: number): void;
  /**
   * When we last held the child's stdout unread (our clients being slow): now while we do, 0
   * if never. A child blocked writing to us cannot read either, and is not deaf: its stall
   * clock counts from the moment we read again.
   */
  stdoutHeldAt?(): number;
}

/** What a write that never reached the child rejects with. */
export class StdinClosedError extends Error {
  override name = "StdinClosedError";
  constructor(message: string, readonly stalled = false) {
    super(message);
  }
}

/** The most handed to the sink per flush: the unit of progress the stall clock counts. */
export const CHUNK_BYTES = 64 * 1024;

interface Waiter {
  data: Uint8Array;
  resolve(): void;
  reject(error: Error): void;
}

const encoder = new TextEncoder();

export class StdinWriter {
  /** Queued chunks; the first may be partly handed to the sink already (`offset`). */
  private readonly queue: Uint8Array[] = [];
  private offset = 0;
  /** Bytes queued, including what the pending flush holds. */
  private bytes = 0;
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private stallTimer: Timer | undefined;
  private failure: StdinClosedError | undefined;

  constructor(
    private readonly sink: StdinSink,
    private readonly options: StdinWriterOptions,
  ) {}

  /** Bytes queued and not yet taken by the pipe. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /**
   * Queues `lines`, each followed by a newline, as one unit: they are never interleaved with
   * another write. Resolves once queued; rejects if the writer fails first or `signal` aborts
   * while it waits for room (it is then not written at all).
   */
  write(lines: string[], signal?: AbortSignal): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const data = encoder.encode(lines.map((line) => `${line}\n`).join(""));
    if (this.waiters.length === 0 && (this.bytes === 0 || this.bytes + data.byteLength <= this.options.maxBytes)) {
      this.enqueue(data);
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(new StdinClosedError("the client went away"));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { data, resolve, reject };
      this.waiters.push(waiter);
      signal?.addEventListener(
        "abort",
        () => {
          const at = this.waiters.indexOf(waiter);
          if (at === -1) return;
          this.waiters.splice(at, 1);
          reject(new StdinClosedError("the client went away"));
          // The head of the line left: those behind it may fit now.
          this.admit();
        },
        { once: true },
      );
    });
  }

  /** Drops everything queued; every waiting and later write rejects with `error`. Idempotent. */
  fail(error: StdinClosedError): void {
    if (this.failure) return;
    this.failure = error;
    clearTimeout(this.stallTimer);
    this.queue.length = 0;
    this.bytes = 0;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  // --- internal ---

  private enqueue(data: Uint8Array): void {
    this.queue.push(data);
    this.bytes += data.byteLength;
    if (!this.pumping) void this.pump();
  }

  /** Waiters that fit now, in order; the first one blocks those behind it. */
  private admit(): void {
    while (this.waiters.length > 0 && !this.failure) {
      const next = this.waiters[0]!;
      if (this.bytes !== 0 && this.bytes + next.data.byteLength > this.options.maxBytes) return;
      this.waiters.shift();
      this.enqueue(next.data);
      next.resolve();
    }
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.failure) {
        const chunk = this.take();
        // A pending write is settled by the flush below; its own rejection must not go unhandled.
        const written = this.sink.write(chunk);
        if (written instanceof Promise) written.catch(() => {});
        const flushed = this.sink.flush();
        if (flushed instanceof Promise) {
          const since = performance.now();
          this.stallTimer = setTimeout(() => this.stalled(since), this.options.stallMs);
          await flushed;
          clearTimeout(this.stallTimer);
        }
        if (this.failure) return;
        this.bytes -= chunk.byteLength;
        this.admit();
      }
    } catch (error) {
      this.fail(new StdinClosedError(`the child's stdin is closed (${(error as Error).message ?? error})`));
    } finally {
      this.pumping = false;
    }
  }

  /** Up to CHUNK_BYTES from the front of the queue, as one buffer. */
  private take(): Uint8Array {
    const parts: Uint8Array[] = [];
    let size = 0;
    while (this.queue.length > 0 && size < CHUNK_BYTES) {
      const head = this.queue[0]!;
      const part = head.subarray(this.offset, this.offset + CHUNK_BYTES - size);
      parts.push(part);
      size += part.byteLength;
      this.offset += part.byteLength;
      if (this.offset === head.byteLength) {
        this.queue.shift();
        this.offset = 0;
      }
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  /** The flush begun at `since` is still pending after stallMs, unless we held the child's stdout meanwhile. */
  private stalled(since: number): void {
    if (this.failure) return;
    const left = Math.max(since, this.options.stdoutHeldAt?.() ?? 0) + this.options.stallMs - performance.now();
    if (left > 0) {
      this.stallTimer = setTimeout(() => this.stalled(since), left);
      return;
    }
    const queued = this.bytes;
    this.fail(new StdinClosedError(`the MCP server stopped reading its stdin for ${this.options.stallMs / 1000} s`, true));
    this.options.onStall(queued);
  }
}
