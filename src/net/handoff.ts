/**
 * Hands a sniffed client connection to a new upstream connection, then pipes the two.
 *
 *   client (paused, bytes kept) ──connect()──▶ upstream open ──▶ greeting → client,
 *                                                                 early bytes → upstream, pipe
 *                               └─ error / timeout ──▶ onFail (the caller answers 502/504)
 *
 * Used for CONNECT tunnels (upstream = the target) and for origin-form requests (upstream =
 * the internal app server). The client keeps its one Endpoint throughout: whatever is still
 * queued for it (a pipelined response) goes out before the greeting. While the upstream is
 * connecting, what the client sends is kept (it goes first, in order), and the client is
 * paused as soon as it sends more: beyond the bytes the caller handed over, at most one read
 * chunk waits here, as in pipe. A client that waits for the greeting or the response (a TLS
 * client behind CONNECT, a request to the app) is never paused: pausing every client cost
 * each short tunnel four syscalls and two wake-ups (Bun's pause and resume both wait for
 * writability).
 */
import { ConnectTimeout } from "../errors.ts";
import type { BusyPoll } from "./busy-poll.ts";
import { Endpoint, type RawSocket, type SocketOwner, type SocketSlot } from "./endpoint.ts";
import { pipe, type PipeResult } from "./pipe.ts";
import type { Closable, Entry, Registry } from "./registry.ts";
import type { Deadline, Deadlines, Expiring } from "./deadlines.ts";

/** Where a hand-off registers itself for shutdown and for its connect deadline. */
export interface HandoffHost {
  registry: Registry;
  deadlines: Deadlines;
}

export interface HandoffOptions {
  /** Opens the upstream socket with `slot` as its data. */
  connect(slot: SocketSlot): Promise<RawSocket>;
  timeoutMs: number;
  /** Bytes the client sent beyond what the caller consumed; they go upstream first. */
  early: Uint8Array;
  /** Written to the client when the upstream opens, before any upstream byte. */
  greeting?: string | Uint8Array;
  /** Kept awake by reads on both sides (--busy-poll); none: the loop sleeps as it likes. */
  poll?: BusyPoll;
  /** The upstream could not be reached; the client is the caller's again. */
  onFail(error: unknown, timedOut: boolean): void;
  /** The client left (or shutdown closed it) before the upstream opened. */
  onAbandon?(): void;
  /** The upstream opened and the two are piped from now on (the relays are set: wrap them to watch the bytes). */
  onLinked?(client: Endpoint, upstream: Endpoint): void;
  /** Both sides are closed. */
  onDone?(result: PipeResult & { client: Endpoint; upstream: Endpoint }): void;
}

export function handoff(client: Endpoint, host: HandoffHost, options: HandoffOptions): void {
  if (client.closed) return void options.onAbandon?.();
  new Handoff(client, host, options);
}

/**
 * One hand-off from accept to close as one object: the registry's entry for the whole life
 * (shutdown closes whatever is open), and the owner of the upstream socket while it connects.
 * A churn of short tunnels then allocates this object, not a registry entry and a closure per step.
 */
class Handoff implements Closable, SocketOwner, Expiring {
  private readonly pending: Uint8Array[] = [];
  private clientFin = false;
  /** Connected, failed or abandoned: the connect's outcome no longer matters. */
  private settled = false;
  private upstream: Endpoint | undefined;
  private readonly deadline: Deadline;
  private readonly entry: Entry;

  constructor(
    private readonly client: Endpoint,
    host: HandoffHost,
    private readonly options: HandoffOptions,
  ) {
    if (options.early.length > 0) this.pending.push(options.early);
    // From here on bytesRead counts what the client sent for the upstream, not the head before it.
    client.bytesRead = options.early.length;
    client.onChunk = (chunk) => {
      this.pending.push(chunk);
      client.pause();
    };
    client.onFin = () => void (this.clientFin = true);
    client.onGone = () => {
      if (this.settle()) options.onAbandon?.();
    };
    client.onWritable = noop;
    this.entry = host.registry.add(this);
    this.deadline = host.deadlines.add(options.timeoutMs, this);
    client.socket.data.poll = options.poll;
    options.connect({ owner: this, poll: options.poll }).then(
      (socket) => this.opened(socket),
      (error) => this.fail(error, false),
    );
  }

  destroy(): void {
    if (this.settle()) this.options.onAbandon?.();
    this.client.destroy();
    this.upstream?.destroy();
  }

  /** The connect took longer than timeoutMs. */
  expire(): void {
    this.fail(new ConnectTimeout(), true);
  }

  // --- SocketOwner of the upstream until it is linked: only an early close matters ---

  onData(): void {}
  onDrain(): void {}
  onEnd(): void {}
  onClose(error?: Error): void {
    this.fail(error, false);
  }

  /** True when this call settled the hand-off (an upstream that opens later is closed in opened()). */
  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.deadline.cancel();
    this.entry.remove();
    return true;
  }

  private fail(error: unknown, timedOut: boolean): void {
    if (this.settle()) this.options.onFail(error, timedOut);
  }

  private opened(socket: RawSocket): void {
    if (this.settled) return void socket.terminate();
    this.settled = true;
    this.deadline.cancel();
    this.link(new Endpoint(socket));
  }

  private link(upstream: Endpoint): void {
    const { client, options, pending } = this;
    this.upstream = upstream;
    pipe(client, upstream, (result) => this.done(result));
    // After pipe(), so onLinked may wrap the relays; the early bytes then pass through them too
    // (onChunk, not onData: bytesRead already counts them).
    options.onLinked?.(client, upstream);
    // The greeting joins the client's queue: a response still queued for it goes first.
    const clientBacklogged = options.greeting ? !client.write(options.greeting) : client.queued > 0;
    for (const chunk of pending) client.onChunk(chunk);
    if (this.clientFin) upstream.shutdownWrite();
    else if (upstream.queued === 0) client.resume();
    // Upstream bytes wait while the client's queue is long: pipe resumes the upstream on drain.
    if (clientBacklogged) upstream.pause();
  }

  private done(result: PipeResult): void {
    this.entry.remove();
    this.options.onDone?.({ ...result, client: this.client, upstream: this.upstream! });
  }
}

const noop = () => {};
