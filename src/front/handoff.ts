/**
 * Hands a sniffed client socket to a new upstream connection, then pipes the two.
 *
 *   client (paused, bytes kept) ──connect()──▶ upstream open ──▶ greeting → client,
 *                                                                 early bytes → upstream, pipe
 *                               └─ error / timeout ──▶ onFail (the caller answers 502/504)
 *
 * Used for CONNECT tunnels (upstream = the target) and for origin-form requests (upstream =
 * the internal app server). While the upstream is connecting the client is paused; whatever
 * it had already sent is kept and goes first, in order.
 */
import { ConnectTimeout } from "../errors.ts";
import type { BusyPoll } from "./busy-poll.ts";
import { Endpoint, unowned, type RawSocket, type SocketOwner, type SocketSlot } from "./endpoint.ts";
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
  /** The upstream could not be reached; the client socket is the caller's again. */
  onFail(error: unknown, timedOut: boolean): void;
  /** The client left (or shutdown closed it) before the upstream opened. */
  onAbandon?(): void;
  /** The upstream opened and the two are piped from now on (the relays are set: wrap them to watch the bytes). */
  onLinked?(client: Endpoint, upstream: Endpoint): void;
  /** Both sides are closed. */
  onDone?(result: PipeResult & { client: Endpoint; upstream: Endpoint }): void;
}


export function handoff(client: RawSocket, registry: Registry, options: HandoffOptions): void {
  const pending: Uint8Array[] = options.early.length > 0 ? [options.early] : [];
  let clientFin = false;
  let settled = false;
  let upstreamSocket: RawSocket | undefined;

  const waiting: SocketOwner & Closable = {
    onData: (chunk) => void pending.push(chunk),
    onDrain: () => {},
    onEnd: () => void (clientFin = true),
    onClose: () => {
      if (abandon()) options.onAbandon?.();
    },
    destroy: () => {
      if (abandon()) options.onAbandon?.();
      client.terminate();
    },
  };
  client.data.owner = waiting;
  client.pause();
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
  client.data.poll = options.poll;
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
      link(client, socket, pending, clientFin, registry, options);
    },
    (error) => fail(error, false),
  );
}

function link(
  clientSocket: RawSocket,
  upstreamSocket: RawSocket,
  pending: Uint8Array[],
  clientFin: boolean,
  registry: Registry,
  options: HandoffOptions,
): void {
  const client = new Endpoint(clientSocket);
  const upstream = new Endpoint(upstreamSocket);
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
  // After pipe(), so onLinked may wrap the relays; the early bytes then pass through them too.
  options.onLinked?.(client, upstream);
  if (options.greeting) client.write(options.greeting);
  for (const chunk of pending) client.onData(chunk);
  if (clientFin) upstream.shutdownWrite();
  else if (upstream.queued === 0) client.resume();
}
