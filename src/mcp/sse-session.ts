/**
 * One SSE client ⇄ one child process. Never shared: responses cannot leak between clients.
 *
 *   child stdout ─▶ LineReader ─▶ `event: message` ─▶ stream (with backpressure)
 *   POST body    ─▶ send()     ─▶ child stdin
 *   every keepaliveMs           ─▶ `: ping`
 *
 * Every way a session ends (client gone, child gone, stdout line over the cap, shutdown) runs
 * close(), which is idempotent: forget the session, stop the child, end the stream, log once.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../log.ts";
import { Child } from "./child.ts";
import { LineReader, LineTooLongError } from "./line-reader.ts";
import { encodeComment, endpointEvent, messageEvent } from "./sse-writer.ts";

export interface SessionConfig {
  argv: string[];
  env: Record<string, string | undefined>;
  keepaliveMs: number;
  killTimeoutMs: number;
  /** Longest stdout line forwarded; a longer one ends the session. */
  maxLineBytes: number;
  log: Logger;
}

/** Bytes queued towards a slow SSE client before we stop reading the child's stdout. */
const STREAM_HIGH_WATER = 1024 * 1024;
/** After the child is stopped, how long its remaining stdout may take to reach the stream. */
const FLUSH_GRACE_MS = 1000;

export class Session {
  readonly id = randomUUID();
  readonly stream: ReadableStream<Uint8Array>;
  private readonly child: Child;
  private readonly log: Logger;
  private readonly startedAt = Date.now();
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly keepalive: Timer;
  private readonly pumped: Promise<void>;
  private wakePump: (() => void) | undefined;
  private cancelled = false;
  private closing: Promise<void> | undefined;
  private messagesIn = 0;
  private messagesOut = 0;

  /** Spawns the child (throws SpawnError); `onClose` runs as soon as the session starts closing. */
  constructor(
    private readonly config: SessionConfig,
    private readonly onClose: (session: Session) => void,
  ) {
    this.log = config.log;
    this.child = new Child({
      argv: config.argv,
      env: config.env,
      killTimeoutMs: config.killTimeoutMs,
      onStderrLine: (line) => this.log.debug(`session ${this.id} stderr: ${line}`),
    });
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          controller.enqueue(endpointEvent(`/messages?session_id=${this.id}`));
        },
        pull: () => this.wake(),
        cancel: () => {
          this.cancelled = true;
          void this.close("client disconnected");
        },
      },
      { highWaterMark: STREAM_HIGH_WATER, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    this.keepalive = setInterval(() => this.enqueue(encodeComment("ping")), config.keepaliveMs);
    this.pumped = this.pump();
    void this.child.exited.then(() => this.close("child exited"));
    this.log.info(`session ${this.id} opened: pid ${this.child.pid} (${config.argv.join(" ")})`);
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Writes one JSON-RPC message (already a single line) to the child's stdin. */
  async send(line: string): Promise<void> {
    if (this.closing) throw new Error("session is closed");
    this.messagesIn++;
    this.log.debug(`session ${this.id} client→child: ${line.length} bytes`);
    await this.child.send(line);
  }

  close(reason: string): Promise<void> {
    return (this.closing ??= this.shutdown(reason));
  }

  private async shutdown(reason: string): Promise<void> {
    clearInterval(this.keepalive);
    this.onClose(this);
    await this.child.stop();
    // Let stdout the child wrote before exiting reach the client, but never wait forever.
    this.wake();
    await Promise.race([this.pumped, Bun.sleep(FLUSH_GRACE_MS)]);
    this.cancelled = true;
    this.wake();
    try {
      this.controller.close();
    } catch {
      // Already cancelled by the client.
    }
    this.logClosed(reason);
  }

  /** Child stdout → message events, until EOF or the client goes away. */
  private async pump(): Promise<void> {
    const lines = new LineReader({
      maxLineBytes: this.config.maxLineBytes,
      onInvalid: (line) => this.log.warn(`session ${this.id}: child wrote a non-JSON line to stdout, dropped: ${preview(line)}`),
    });
    const reader = this.child.stdout.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const line of lines.push(value)) this.forward(line);
        await this.backpressure();
        if (this.cancelled) break;
      }
      for (const line of lines.end()) this.forward(line);
    } catch (error) {
      if (error instanceof LineTooLongError) this.log.error(`session ${this.id}: ${error.message}; ending the session`);
      else this.log.debug(`session ${this.id}: stdout read failed:`, error);
    } finally {
      void reader.cancel().catch(() => {});
    }
    void this.close("child closed stdout");
  }

  private forward(line: string): void {
    this.messagesOut++;
    this.enqueue(messageEvent(line));
  }

  private enqueue(chunk: Uint8Array): void {
    if (this.cancelled) return;
    try {
      this.controller.enqueue(chunk);
    } catch {
      // The stream closed under us (client gone); close() is already on its way.
    }
  }

  /** Waits while the client is behind, so a slow reader slows the child instead of our memory. */
  private async backpressure(): Promise<void> {
    while (!this.cancelled && (this.controller.desiredSize ?? 1) <= 0) {
      await new Promise<void>((resolve) => (this.wakePump = resolve));
    }
  }

  private wake(): void {
    const wake = this.wakePump;
    this.wakePump = undefined;
    wake?.();
  }

  private logClosed(reason: string): void {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    const exit = this.child.exitCode !== null ? `exit code ${this.child.exitCode}` : `signal ${this.child.signalCode ?? "none"}`;
    this.log.info(
      `session ${this.id} closed (${reason}) after ${seconds} s: pid ${this.child.pid}, ${this.messagesIn} messages in, ${this.messagesOut} out, ${exit}`,
    );
    // Only a child that ended on its own has something to explain; our SIGTERM is not news.
    if (reason === "child exited" || reason === "child closed stdout") {
      const tail = this.child.stderrTail();
      if (tail.length > 0) this.log.info(`session ${this.id} last stderr lines:\n  ${tail.join("\n  ")}`);
    }
  }
}

function preview(line: string): string {
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);
}
