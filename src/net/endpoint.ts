/**
 * One raw Bun socket with the write queue Bun does not keep for us.
 *
 * `socket.write()` writes what the kernel takes and returns that count; the rest is ours to
 * hold. Endpoint queues it, writes it on `drain`, and tells its reader (`onWritable`) when the
 * queue is empty again, so whoever feeds it can pause and resume the other side.
 *
 * One Endpoint per socket, made where the socket is accepted (front/connection.ts) or opened
 * (handoff, forward/upstream-connect.ts) and handed on from there: a second one would keep a
 * second queue, and bytes written through it could overtake (or strand) the first one's.
 */
import { concatBytes, latin1Bytes } from "../bytes.ts";
import type { RawSocket, SocketOwner } from "./socket-slot.ts";

export { slotHandlers, unowned, type RawSocket, type SocketOwner, type SocketSlot } from "./socket-slot.ts";

const noop = () => {};


export class Endpoint implements SocketOwner {
  /** Bytes received from the remote. */
  bytesRead = 0;
  /** Bytes the kernel accepted for the remote. */
  bytesWritten = 0;
  /** Bytes waiting in our queue (not yet taken by the kernel). */
  queued = 0;
  closed = false;
  /** Reading is paused (ours: Bun keeps no flag we can read). */
  paused = false;

  /** Called when a backlog has been written out: resume whoever feeds this endpoint. */
  onWritable: () => void = noop;
  onChunk: (chunk: Uint8Array) => void = noop;
  onFin: () => void = noop;
  onGone: (error?: Error) => void = noop;

  private queue: Uint8Array[] = [];
  private corked: Uint8Array[] | undefined;
  private gone = false;
  /** A write had to queue since the last onWritable: Bun also fires drain when nothing was queued. */
  private backlogged = false;
  private after: "none" | "fin" | "close" = "none";
  private finSent = false;

  constructor(readonly socket: RawSocket) {
    if (socket.data.owner instanceof Endpoint) throw new Error("this socket already has an Endpoint: hand that one on");
    socket.data.owner = this;
  }

  /**
   * Collects writes until uncork(), which sends them as one: a response head and a small body
   * then cost one syscall, not two (on loopback each write runs the receiver's stack too).
   */
  cork(): void {
    this.corked ??= [];
  }

  /** Writes what cork() collected; false when it had to queue. */
  uncork(): boolean {
    const parts = this.corked;
    this.corked = undefined;
    if (!parts || parts.length === 0) return this.queue.length === 0;
    return this.write(concatBytes(...parts));
  }

  /** Writes or queues `chunk`; false when it had to queue (the caller should pause its source). */
  write(chunk: Uint8Array | string): boolean {
    if (this.closed || this.after !== "none") return false;
    const bytes = typeof chunk === "string" ? latin1Bytes(chunk) : chunk;
    if (this.corked) {
      this.corked.push(bytes);
      return true;
    }
    if (this.queue.length === 0) {
      const n = this.socket.write(bytes);
      if (n === bytes.length) {
        this.bytesWritten += n;
        return true;
      }
      if (n < 0) return false;
      this.bytesWritten += n;
      this.enqueue(bytes.subarray(n));
    } else {
      this.enqueue(bytes);
    }
    return false;
  }

  /** Sends FIN once the queue is written; the socket stays readable. */
  shutdownWrite(): void {
    if (this.closed || this.after !== "none") return;
    this.uncork();
    this.after = "fin";
    if (this.queue.length === 0) this.finish();
  }

  /** Closes once the queue is written: data in flight still arrives. */
  end(): void {
    if (this.closed) return;
    if (this.after === "none") this.uncork();
    this.after = "close";
    if (this.queue.length === 0) this.finish();
  }

  /** Closes now and drops the queue. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.corked = undefined;
    this.queue = [];
    this.queued = 0;
    this.socket.terminate();
  }

  /**
   * Stops reading. Only a change reaches Bun: each pause or resume is an epoll_ctl and, since
   * uSockets waits for writability while paused and on resume, an extra wake-up and a
   * setsockopt as well (4 syscalls per pause/resume pair, measured with strace).
   */
  pause(): void {
    if (this.closed || this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (this.closed || !this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  // --- SocketOwner ---

  onData(chunk: Uint8Array): void {
    this.bytesRead += chunk.length;
    this.onChunk(chunk);
  }

  onDrain(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = this.socket.write(head);
      if (n < 0) return;
      this.bytesWritten += n;
      this.queued -= n;
      if (n < head.length) {
        this.queue[0] = head.subarray(n);
        return;
      }
      this.queue.shift();
    }
    if (this.after !== "none") this.finish();
    else if (this.backlogged) {
      this.backlogged = false;
      this.onWritable();
    }
  }

  onEnd(): void {
    this.onFin();
  }

  onClose(error?: Error): void {
    if (this.gone) return;
    this.gone = true;
    this.closed = true;
    this.queue = [];
    this.queued = 0;
    this.onGone(error);
  }

  private enqueue(bytes: Uint8Array): void {
    this.backlogged = true;
    this.queue.push(bytes);
    this.queued += bytes.length;
  }

  private finish(): void {
    if (this.after === "fin") {
      if (!this.finSent) this.socket.shutdown();
      this.finSent = true;
    } else if (this.after === "close") {
      this.closed = true;
      this.socket.end();
    }
  }
}
