/**
 * One stdio MCP server process, spawned from an argv array (never through a shell).
 *
 *   spawn (own process group) ──stdin◀── StdinWriter (bounded, stall clock) ◀── send(lines)
 *                             ──stdout──▶ the session's line reader
 *                             ──stderr──▶ drained always, one debug line per line, last lines kept
 *   stop(): end stdin → SIGTERM the group → SIGKILL the group after killTimeoutMs (awaited, once)
 *   mcp-proxy gone before stop() (SIGKILL, a crash) ─▶ the group watchdog stops the group
 *
 * `detached: true` makes Bun call setsid(), so the child leads a new process group (pgid ==
 * pid) and `kill(-pid)` reaches the grandchildren of wrappers such as `npx` or `sh -c`, which
 * signalling the pid alone would orphan. A side effect: a terminal's Ctrl-C no longer reaches
 * the child, so stop() is the only way it ends while we run.
 *
 * Environment policy: the child gets `env`, which is mcp-proxy's whole environment unless the
 * caller says otherwise (options.ts). Unlike the SDK's safe list, users start us with
 * HTTP(S)_PROXY, API keys and PATH set for exactly this child, so filtering would break the
 * common case.
 */

import { groupWatchdog, type GroupWatchdog } from "./group-watchdog.ts";
import { StdinClosedError, StdinWriter } from "./stdin-writer.ts";

export interface ChildOptions {
  argv: string[];
  env: Record<string, string | undefined>;
  /** Working folder; undefined is mcp-proxy's own. */
  cwd?: string;
  /** How long the group has to exit after SIGTERM before SIGKILL. */
  killTimeoutMs: number;
  /** Bytes queued for stdin before send() waits for the child to read (stdin-writer.ts). */
  stdinBufferBytes: number;
  /** How long the child may read nothing of a full stdin pipe before onStdinStall. */
  stdinStallMs: number;
  /** The child has stopped reading its stdin; every waiting and later send() rejects. */
  onStdinStall?(queuedBytes: number): void;
  /** When the child's stdout was last held unread by its reader: now while it is, 0 if never (stdin-writer.ts). */
  stdoutHeldAt?(): number;
  /** Every stderr line (capped in length), as it arrives. */
  onStderrLine?(line: string): void;
}

/** The command could not be started at all (not found, not executable). */
export class SpawnError extends Error {
  override name = "SpawnError";
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** How many stderr lines are kept for the exit log line. */
const STDERR_TAIL = 10;
/** A stderr line longer than this is cut for logging; the rest of it is still drained. */
const STDERR_LINE_MAX = 2000;
/** After SIGKILL, how long to wait for the kernel to report the exit before giving up. */
const KILL_GRACE_MS = 1000;

export class Child {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array>;
  /** Resolves when the child has exited (not its descendants). */
  readonly exited: Promise<void>;
  private readonly proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  private readonly tail: string[] = [];
  private stopping: Promise<void> | undefined;
  private readonly watchdog: GroupWatchdog;
  private readonly stdin: StdinWriter;

  constructor(private readonly options: ChildOptions) {
    try {
      this.proc = Bun.spawn(options.argv, {
        env: options.env,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        detached: true,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "EUNKNOWN";
      throw new SpawnError((error as Error).message ?? String(error), code);
    }
    this.pid = this.proc.pid;
    this.watchdog = groupWatchdog(options.killTimeoutMs);
    this.watchdog.add(this.pid);
    this.stdout = this.proc.stdout;
    this.stdin = new StdinWriter(this.proc.stdin, {
      maxBytes: options.stdinBufferBytes,
      stallMs: options.stdinStallMs,
      onStall: (queued) => options.onStdinStall?.(queued),
      stdoutHeldAt: () => options.stdoutHeldAt?.() ?? 0,
    });
    this.exited = this.proc.exited.then(() => this.stdin.fail(new StdinClosedError("the child has exited")));
    void this.drainStderr();
  }

  /** Exit code, or null if a signal ended it or it is still running. */
  get exitCode(): number | null {
    return this.proc.exitCode;
  }

  get signalCode(): string | null {
    const signal = this.proc.signalCode;
    return signal === null ? null : String(signal);
  }

  /** The last stderr lines, oldest first. */
  stderrTail(): string[] {
    return [...this.tail];
  }

  /**
   * Queues lines for stdin (a newline after each), as one unit. Resolves once queued, which is
   * at once unless the buffer is full; rejects (StdinClosedError) if the child stops reading,
   * exits or is stopped first, or if `signal` aborts while it waits for room.
   */
  send(lines: string[], signal?: AbortSignal): Promise<void> {
    return this.stdin.write(lines, signal);
  }

  /** Bytes queued for stdin that the pipe has not taken yet. */
  get stdinQueued(): number {
    return this.stdin.queuedBytes;
  }

  /** Ends stdin, SIGTERMs the group, SIGKILLs it after killTimeoutMs. Idempotent; awaited. */
  stop(): Promise<void> {
    return (this.stopping ??= this.terminate());
  }

  private async terminate(): Promise<void> {
    const deadline = Date.now() + this.options.killTimeoutMs;
    this.stdin.fail(new StdinClosedError("the child is stopping"));
    try {
      // With bytes still queued in the FileSink, end() is a Promise that rejects with EPIPE
      // once the child is dead (stdin-writer.ts): not a failure worth an unhandled rejection.
      const ended = this.proc.stdin.end();
      if (ended instanceof Promise) ended.catch(() => {});
    } catch {
      // Already closed because the child exited: nothing to end.
    }
    // Even if the leader has exited, descendants may still hold the group.
    this.signalGroup("SIGTERM");
    await Promise.race([this.exited, Bun.sleep(this.options.killTimeoutMs)]);
    while (this.groupAlive() && Date.now() < deadline) await Bun.sleep(25);
    if (this.groupAlive()) this.signalGroup("SIGKILL");
    await Promise.race([this.exited, Bun.sleep(KILL_GRACE_MS)]);
    this.watchdog.remove(this.pid);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is already empty.
    }
  }

  private groupAlive(): boolean {
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Always read stderr: a full pipe would block the child's writes and stall the session. */
  private async drainStderr(): Promise<void> {
    let pending = "";
    const decoder = new TextDecoder();
    const emit = (line: string) => {
      const text = line.endsWith("\r") ? line.slice(0, -1) : line;
      const capped = text.length > STDERR_LINE_MAX ? `${text.slice(0, STDERR_LINE_MAX)}… (${text.length} chars)` : text;
      this.tail.push(capped);
      if (this.tail.length > STDERR_TAIL) this.tail.shift();
      this.options.onStderrLine?.(capped);
    };
    try {
      for await (const chunk of this.proc.stderr) {
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) emit(line);
        // A line with no newline in sight: log it in pieces rather than buffer it without bound.
        if (pending.length > STDERR_LINE_MAX * 4) {
          emit(pending);
          pending = "";
        }
      }
    } catch {
      // The pipe broke because the process is gone; nothing more to read.
    }
    if (pending) emit(pending);
  }
}
