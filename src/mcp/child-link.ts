/**
 * The transport-neutral half of a bridge session: one child process, its stdout cut into
 * JSON-RPC lines, its stdin, and the way it ends. /sse and /mcp sessions each own one and
 * decide where the lines go.
 *
 *   child stdout ─▶ LineReader ─▶ onLine(line)   (awaiting backpressure() between chunks)
 *   send(lines)  ─▶ child stdin (a bounded buffer: resolves once queued, see stdin-writer.ts)
 *   child exits, closes stdout, or writes a line over the cap ─▶ onEnd(reason)
 *   first client message (initialize) unanswered for initTimeoutMs ─▶ onEnd(reason), logged as an error
 *   child reads nothing of a full stdin for stdinStallMs ─▶ onEnd(reason), logged as an error
 *   stop(): child.stop() (end → TERM → KILL), then up to FLUSH_GRACE_MS for stdout to drain
 */
import type { Logger } from "../log.ts";
import { endReason, type BridgeStats } from "../status/bridge-stats.ts";
import { Child } from "./child.ts";
import { isObject, kindOf } from "./jsonrpc.ts";
import { LineReader, LineTooLongError, type JsonLine } from "./line-reader.ts";

export interface LinkConfig {
  argv: string[];
  env: Record<string, string | undefined>;
  /** The child's working folder; undefined is mcp-proxy's own. */
  cwd?: string;
  killTimeoutMs: number;
  /** How long the child may take to answer the first request (initialize) before the session ends. */
  initTimeoutMs: number;
  /** Path prefix of this bridge's routes: "" for /mcp and /sse, "/servers/<name>" for a named server. */
  basePath: string;
  /** Longest stdout line forwarded; a longer one ends the session. */
  maxLineBytes: number;
  /** Bytes queued for the child's stdin before a client's message waits for room. */
  stdinBufferBytes: number;
  /** How long the child may read nothing of its full stdin before the session ends. */
  stdinStallMs: number;
  log: Logger;
  /** Where this server's child starts and session endings are counted (the status page). */
  stats?: BridgeStats;
}

/** A live session as the status page shows it. */
export interface LinkInfo {
  transport: string;
  id: string;
  pid: number;
  startedAt: number;
  lastActivity: number;
  messagesIn: number;
  messagesOut: number;
}

export interface LinkHandlers {
  /** One JSON line from the child's stdout, with the value it parses to. */
  onLine(line: JsonLine): void;
  /** The child is gone or unusable; the owner should close. Called at most once. */
  onEnd(reason: string): void;
  /** Resolves when the clients can take more; the child's stdout is not read meanwhile. */
  backpressure(): Promise<void>;
}

/** A backpressure wait longer than this was a slow client, not the await itself. */
const HELD_MS = 5;
/** After the child is stopped, how long its remaining stdout may take to reach the clients. */
const FLUSH_GRACE_MS = 1000;

export class ChildLink {
  private readonly child: Child;
  private readonly log: Logger;
  readonly startedAt = Date.now();
  /** When a message last went either way (ms since the epoch). */
  lastActivity = this.startedAt;
  private readonly pumped: Promise<void>;
  private stopped = false;
  private ended = false;
  /** Armed by the first message in, cleared by the first response out (see send()). */
  private initTimer: Timer | undefined;
  private answered = false;
  /** While pump() waits for the clients (backpressure): the child's stdout is not read. */
  private holding = false;
  private heldUntil = 0;
  messagesIn = 0;
  messagesOut = 0;

  /** Spawns the child (throws SpawnError). `route` names the endpoint in log lines. */
  constructor(
    readonly id: string,
    readonly route: string,
    private readonly config: LinkConfig,
    private readonly handlers: LinkHandlers,
  ) {
    this.log = config.log;
    this.child = new Child({
      argv: config.argv,
      env: config.env,
      cwd: config.cwd,
      killTimeoutMs: config.killTimeoutMs,
      stdinBufferBytes: config.stdinBufferBytes,
      stdinStallMs: config.stdinStallMs,
      onStdinStall: (queued) => {
        const reason = `the MCP server stopped reading its stdin for ${config.stdinStallMs / 1000} s`;
        this.log.error(`session ${id}: ${reason} (${queued} bytes waiting); ending the session`);
        this.end(reason);
      },
      stdoutHeldAt: () => (this.holding ? performance.now() : this.heldUntil),
      onStderrLine: (line) => this.log.debug(`session ${id} stderr: ${line}`),
    });
    this.pumped = this.pump();
    void this.child.exited.then(() => this.end("child exited"));
    config.stats?.started();
    this.log.info(`session ${id} opened: pid ${this.child.pid} on ${config.basePath}${route} (${config.argv.join(" ")})`);
  }

  info(): LinkInfo {
    const { route, id, pid, startedAt, lastActivity, messagesIn, messagesOut } = this;
    return { transport: route, id, pid, startedAt, lastActivity, messagesIn, messagesOut };
  }

  get pid(): number {
    return this.child.pid;
  }

  /**
   * Queues JSON-RPC messages (each already a single line) for the child's stdin, as one unit.
   * Resolves once queued; rejects with StdinClosedError when they will never be written (the
   * child stopped reading, exited or is stopping, or `signal` aborted while they waited for room).
   */
  send(lines: string[], signal?: AbortSignal): Promise<void> {
    // A client's first message is initialize (MCP lifecycle): a server that never answers it
    // (hung at start, waiting on a prompt) would otherwise hold the client until its own timeout.
    if (this.messagesIn === 0 && !this.answered) this.armInitTimer();
    this.messagesIn += lines.length;
    this.lastActivity = Date.now();
    if (this.log.level >= 4) for (const line of lines) this.log.debug(`session ${this.id} client→child: ${line.length} bytes`);
    return this.child.send(lines, signal);
  }

  /** Stops the child, then lets what it wrote before exiting reach onLine, but never waits forever. */
  async stop(): Promise<void> {
    clearTimeout(this.initTimer);
    await this.child.stop();
    await Promise.race([this.pumped, Bun.sleep(FLUSH_GRACE_MS)]);
    this.stopped = true;
  }

  logClosed(reason: string): void {
    this.config.stats?.ended({
      ...this.info(),
      endedAt: Date.now(),
      reason: endReason(reason),
      detail: reason,
      exitCode: this.child.exitCode,
      signal: this.child.signalCode,
    });
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    const exit = this.child.exitCode !== null ? `exit code ${this.child.exitCode}` : `signal ${this.child.signalCode ?? "none"}`;
    this.log.info(
      `session ${this.id} closed (${reason}) after ${seconds} s: pid ${this.child.pid}, ${this.messagesIn} messages in, ${this.messagesOut} out, ${exit}`,
    );
    // Only a child that ended on its own has something to explain; our SIGTERM is not news.
    if (reason.startsWith("child ")) {
      const tail = this.child.stderrTail();
      // One that never answered at all is a broken server (a bad argument, a missing key): an error.
      if (!this.answered) this.log.error(`session ${this.id}: the server exited before answering initialize (${exit})`);
      if (tail.length > 0) this.log.info(`session ${this.id} last stderr lines:\n  ${tail.join("\n  ")}`);
    }
  }

  private armInitTimer(): void {
    const ms = this.config.initTimeoutMs;
    this.initTimer = setTimeout(() => {
      if (this.answered || this.ended) return;
      const reason = `no answer to initialize within ${ms / 1000} s`;
      this.log.error(`session ${this.id}: ${reason}; ending the session`);
      this.end(reason);
    }, ms);
  }

  private end(reason: string): void {
    clearTimeout(this.initTimer);
    if (this.ended) return;
    this.ended = true;
    this.handlers.onEnd(reason);
  }

  /** Child stdout → onLine, until EOF, the line cap, or stop(). */
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
        for (const line of lines.push(value)) this.deliver(line);
        const waitFrom = performance.now();
        this.holding = true;
        await this.handlers.backpressure();
        this.holding = false;
        // Only a real wait for a slow client counts: a child that writes all the time and
        // reads nothing must still be caught.
        if (performance.now() - waitFrom > HELD_MS) this.heldUntil = performance.now();
        if (this.stopped) break;
      }
      for (const line of lines.end()) this.deliver(line);
    } catch (error) {
      if (error instanceof LineTooLongError) this.log.error(`session ${this.id}: ${error.message}; ending the session`);
      else this.log.debug(`session ${this.id}: stdout read failed:`, error);
    } finally {
      void reader.cancel().catch(() => {});
    }
    this.end("child closed stdout");
  }

  private deliver(line: JsonLine): void {
    if (!this.answered && isObject(line.message) && kindOf(line.message) === "response") {
      this.answered = true;
      clearTimeout(this.initTimer);
    }
    this.messagesOut++;
    this.lastActivity = Date.now();
    this.handlers.onLine(line);
  }
}

function preview(line: string): string {
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);
}
