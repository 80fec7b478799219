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
import { Endpoint, unowned, type RawSocket, type SocketSlot } from "./endpoint.ts";
import { pipe, type PipeResult } from "./pipe.ts";
import type { Closable, Registry } from "./registry.ts";

export interface HandoffOptions {
  /** Opens the upstream socket with `slot` as its data. */
  connect(slot: SocketSlot): Promise<RawSocket>;
  timeoutMs: number;
  /** Bytes the client sent beyond what the caller consumed; they go upstream first. */
  early: Uint8Array;
  /** Written to the client when the upstream opens, before any upstream byte. */
  greeting?: string;
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

export function handoff(client: Endpoint, registry: Registry, options: HandoffOptions): void {
  const pending: Uint8Array[] = options.early.length > 0 ? [options.early] : [];
  let clientFin = false;
  let settled = false;
  let upstreamSocket: RawSocket | undefined;
  if (client.closed) return void options.onAbandon?.();
  // From here on bytesRead counts what the client sent for the upstream, not the head before it.
  client.bytesRead = options.early.length;

  const waiting: Closable = {
    destroy: () => {
      if (abandon()) options.onAbandon?.();
      client.destroy();
    },
  };
  client.onChunk = (chunk) => {
    pending.push(chunk);
    client.pause();
  };
  client.onFin = () => void (clientFin = true);
  client.onGone = () => {
    if (abandon()) options.onAbandon?.();
  };
  client.onWritable = () => {};
  registry.add(waiting);

  const timer = setTimeout(() => fail(new ConnectTimeout(), true), options.timeoutMs);

  /** True when this call settled the hand-off. */
  function abandon(): boolean {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    registry.delete(waiting);
    upstreamSocket?.terminate();
    return true;
  }

  function fail(error: unknown, timedOut: boolean): void {
    if (abandon()) options.onFail(error, timedOut);
  }

  // The upstream's slot: until linked it only has to notice an early close.
  client.socket.data.poll = options.poll;
  const slot: SocketSlot = { owner: { ...unowned, onClose: (e) => fail(e, false) }, poll: options.poll };
  options.connect(slot).then(
    (socket) => {
      upstreamSocket = socket;
      if (settled) {
        socket.terminate();
        return;
      }
      settled = true;
      clearTimeout(timer);
      registry.delete(waiting);
      link(client, new Endpoint(socket), pending, clientFin, registry, options);
    },
    (error) => fail(error, false),
  );
}

function link(client: Endpoint, upstream: Endpoint, pending: Uint8Array[], clientFin: boolean, registry: Registry, options: HandoffOptions): void {
  const both: Closable = {
    destroy: () => {
      client.destroy();
      upstream.destroy();
    },
  };
  registry.add(both);
  pipe(client, upstream, (result) => {
    registry.delete(both);
    options.onDone?.({ ...result, client, upstream });
  });
  // After pipe(), so onLinked may wrap the relays; the early bytes then pass through them too
  // (onChunk, not onData: bytesRead already counts them).
  options.onLinked?.(client, upstream);
  // The greeting joins the client's queue: a response still queued for it goes first.
  const clientBacklogged = options.greeting ? !client.write(options.greeting) : client.queued > 0;
  for (const chunk of pending) client.onChunk(chunk);
  if (clientFin) upstream.shutdownWrite();
  else if (upstream.queued === 0) client.resume();
  // Upstream bytes wait while the client's queue is long: pipe resumes the upstream on drain.
  if (clientBacklogged) upstream.pause();
}
