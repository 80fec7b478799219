/**
 * The request's way to the upstream: a kept connection from the pool or a new connect, the
 * request bytes queued until it is open, then written with backpressure on the client.
 *
 *   destination rules apply? ─▶ resolve + check ─refused─▶ events.failed(403) │ key = checked address
 *   pool.take ─hit─▶ open at once │ miss ─▶ connectUpstream ─▶ open │ error ─▶ events.failed
 *   open: queued bytes in one write (corked with the head) ─▶ events.ready(endpoint)
 *   retry(): a kept connection closed before answering; once more on a fresh one
 */
import { ConnectTimeout, describeErrno, HttpError } from "../errors.ts";
import type { ForwardContext } from "./context.ts";
import type { Endpoint } from "../net/endpoint.ts";
import type { Peer } from "../security/access.ts";
import { formatTarget, type Target } from "./target.ts";
import { connectUpstream, type Connecting } from "./upstream-connect.ts";
import type { UpstreamPool } from "./upstream-pool.ts";

export interface UpstreamEvents {
  /** The connection is open and what was queued is written: wire its reads. */
  ready(upstream: Endpoint): void;
  /** It could not be opened (already logged in the `[ERROR] host:port - ECODE text` form). */
  failed(error: unknown): void;
  /** Backpressure on whoever feeds the request body (the client connection). */
  pauseSource(): void;
  resumeSource(): void;
}

export class UpstreamRequest {
  endpoint: Endpoint | undefined;
  /** The connection came from the pool (it may have been closed while idle). */
  reused = false;
  private pending: Uint8Array[];
  /** Head and body of a request that arrived together go upstream in one write. */
  private corked = true;
  private connecting: Connecting | undefined;
  private cancelled = false;
  private retried = false;

  constructor(
    private readonly ctx: ForwardContext,
    private readonly pool: UpstreamPool,
    private target: Target,
    /**
     * The pool's key: `host:port`, or "self" for this proxy's own app. A peer that needs
     * credentials reaches the app that asks for them ("self:bearer"); a checked destination is
     * keyed by the address it was checked as, so a kept connection is only reused for it.
     */
    public key: string,
    private readonly head: Uint8Array,
    private readonly peer: Peer,
    private readonly events: UpstreamEvents,
  ) {
    this.pending = [head];
    if (key === "self" && !peer.trusted) this.key = "self:bearer";
    const guard = ctx.access.destinations;
    if (!guard.applies(peer.loopback)) {
      this.open(true);
      return;
    }
    // The lookup counts against the connect timeout, as it does for Bun.connect by name.
    let timer: Timer | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ConnectTimeout()), ctx.options.connectTimeoutMs)));
    Promise.race([guard.check(target.host, peer.loopback), late]).finally(() => clearTimeout(timer)).then(
      (address) => {
        if (this.cancelled) return;
        if (!this.key.startsWith("self")) {
          this.target = { host: address, port: target.port };
          this.key = formatTarget(this.target);
        }
        this.open(true);
      },
      (error) => {
        if (this.cancelled) return;
        if (!(error instanceof HttpError)) this.ctx.log.error(`${formatTarget(this.target)} - ${describeErrno(error)}`);
        this.events.failed(error);
      },
    );
  }

  /** Request bytes: written now if open, else queued (and the source paused). */
  send(bytes: Uint8Array): void {
    if (!this.endpoint) {
      this.pending.push(bytes.slice());
      this.events.pauseSource();
    } else if (!this.endpoint.write(bytes)) {
      this.events.pauseSource();
    }
  }

  /** Ends the first write's cork: what arrived with the head goes out with it. */
  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    if (this.endpoint && !this.endpoint.uncork()) this.events.pauseSource();
  }

  /**
   * A kept connection that closed before answering was closed while idle: once, drop it and
   * send the head again on a fresh connection. False when that does not apply.
   */
  retry(): boolean {
    if (!this.reused || this.retried) return false;
    this.retried = true;
    this.endpoint?.destroy();
    this.endpoint = undefined;
    this.reused = false;
    this.pending = [this.head];
    this.open(false);
    return true;
  }

  destroy(): void {
    this.cancelled = true;
    this.connecting?.cancel();
    this.endpoint?.destroy();
  }

  private open(allowKept: boolean): void {
    const kept = allowKept ? this.pool.take(this.key) : undefined;
    if (kept) {
      this.reused = true;
      return this.attach(kept);
    }
    const app = this.key.startsWith("self") ? this.ctx.appSocket(this.key === "self") : undefined;
    this.connecting = connectUpstream(this.ctx, this.target, app);
    const started = performance.now();
    this.connecting.promise.then(
      (upstream) => {
        this.connecting = undefined;
        this.ctx.traffic.connected(performance.now() - started);
        if (this.cancelled) upstream.destroy();
        else this.attach(upstream);
      },
      (error) => {
        this.connecting = undefined;
        if (this.cancelled) return;
        this.ctx.log.error(`${formatTarget(this.target)} - ${describeErrno(error)}`);
        this.events.failed(error);
      },
    );
  }

  private attach(upstream: Endpoint): void {
    this.endpoint = upstream;
    upstream.onWritable = () => this.events.resumeSource();
    const queued = this.pending;
    this.pending = [];
    upstream.cork();
    for (const chunk of queued) upstream.write(chunk);
    if (!this.corked && !upstream.uncork()) this.events.pauseSource();
    // send() paused the source while there was nothing to write to; nothing else resumes it
    // unless a write backlogged (then onWritable does), so an upload would stall here.
    else this.events.resumeSource();
    this.events.ready(upstream);
  }
}
