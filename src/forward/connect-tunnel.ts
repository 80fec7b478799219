/**
 * CONNECT host:port (RFC 9110 §9.3.6): open a TCP connection to the target, answer
 * `200 Connection established` (no Content-Length, no Transfer-Encoding), then relay bytes
 * both ways until both sides are done.
 *
 *   parse authority ─bad─▶ 400
 *   destination rules apply? ─▶ resolve, check every address ─refused─▶ 403 │ connect to the checked address
 *   Bun.connect ─refused/DNS─▶ 502, ─timeout─▶ 504
 *            └─open─▶ 200 + pipe ─close─▶ one log line
 */
import { describeErrno, type HttpError } from "../errors.ts";
import { slotHandlers, type Endpoint, type RawSocket, type SocketSlot } from "../net/endpoint.ts";
import { handoff, type HandoffOptions } from "../net/handoff.ts";
import type { PipeResult } from "../net/pipe.ts";
import { respondAndClose } from "../net/raw-response.ts";
import type { ForwardContext } from "./context.ts";
import type { Peer } from "../security/access.ts";
import type { ByteSource, Flow } from "../status/traffic.ts";
import { formatTarget, parseAuthority, type Target } from "./target.ts";
import { upstreamFailure } from "./upstream-failure.ts";

const ESTABLISHED = new TextEncoder().encode("HTTP/1.1 200 Connection established\r\n\r\n");

/** `client` is the connection's one Endpoint: a response still queued on it goes out before the 200. */
export function openTunnel(ctx: ForwardContext, client: Endpoint, authority: string, early: Uint8Array, peer: Peer): void {
  let target: Target;
  try {
    target = parseAuthority(authority);
  } catch (error) {
    const { status, message } = error as HttpError;
    ctx.log.warn(`${peer.address} CONNECT - ${status} ${message}`);
    respondAndClose(client, status, message);
    return;
  }
  handoff(client, ctx, new Tunnel(ctx, client, target, early, peer));
}

/**
 * One tunnel's hand-off callbacks as methods: a churn of short tunnels then allocates one
 * object per tunnel here instead of one closure per callback. Log lines are built only
 * when their level is on (a quiet proxy builds none per tunnel).
 */
class Tunnel implements HandoffOptions, ByteSource {
  readonly timeoutMs: number;
  readonly greeting = ESTABLISHED;
  readonly poll: ForwardContext["poll"];
  private readonly started = performance.now();
  private readonly name: string;
  private readonly flow: Flow;
  private linked: { down: Endpoint; upstream: Endpoint } | undefined;

  constructor(
    private readonly ctx: ForwardContext,
    private readonly client: Endpoint,
    private readonly target: Target,
    readonly early: Uint8Array,
    private readonly peer: Peer,
  ) {
    this.timeoutMs = ctx.options.connectTimeoutMs;
    this.poll = ctx.poll;
    const name = (this.name = formatTarget(target));
    if (ctx.log.level >= 4) ctx.log.debug(`${peer.address} CONNECT ${name} connecting`);
    this.flow = ctx.traffic.start("tunnel", peer.address, name);
  }

  get bytesUp(): number {
    return this.linked?.down.bytesRead ?? 0;
  }

  get bytesDown(): number {
    return this.linked?.upstream.bytesRead ?? 0;
  }

  connect(slot: SocketSlot): Promise<RawSocket> {
    const guard = this.ctx.access.destinations;
    const { host, port } = this.target;
    const open = (hostname: string) => Bun.connect({ hostname, port, allowHalfOpen: true, data: slot, socket: slotHandlers });
    // With no rule to apply (a loopback client, no --allow-dest/--deny-dest): no lookup of our own.
    return guard.applies(this.peer.loopback) ? guard.check(host, this.peer.loopback).then(open) : open(host);
  }

  onFail(error: unknown, timedOut: boolean): void {
    const { ctx, client, flow, name, peer } = this;
    const cause = timedOut ? `ETIMEDOUT connect timed out after ${ctx.options.connectTimeoutMs / 1000}s` : describeErrno(error);
    const failure = upstreamFailure(ctx.traffic, name, error, cause);
    if (failure.outcome === "rejected") ctx.log.warn(`${peer.address} CONNECT ${name} - ${failure.status} ${failure.message}`);
    else ctx.log.error(`${name} - ${failure.cause}`);
    flow.end(failure.status, failure.outcome, failure.outcome === "rejected" ? undefined : error);
    respondAndClose(client, failure.status, failure.message);
  }

  onAbandon(): void {
    this.flow.end(0, "aborted");
  }

  onLinked(down: Endpoint, upstream: Endpoint): void {
    this.ctx.traffic.connected(performance.now() - this.started);
    this.linked = { down, upstream };
    this.flow.source = this;
  }

  onDone({ client: down, upstream, error }: PipeResult & { client: Endpoint; upstream: Endpoint }): void {
    const { ctx } = this;
    if (ctx.log.level >= 3) {
      const ms = Math.round(performance.now() - this.started);
      const tail = error ? ` (${describeErrno(error)})` : "";
      ctx.log.info(`${this.peer.address} CONNECT ${this.name} 200 up ${down.bytesRead} B, down ${upstream.bytesRead} B, ${ms} ms${tail}`);
    }
    this.flow.end(200, "ok", error);
  }
}
