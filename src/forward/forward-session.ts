/**
 * A client connection that sends absolute-form requests (HTTP_PROXY clients): one request at
 * a time, each possibly for another host, answered in order.
 *
 *   bytes ─▶ buffer ─sniff─▶ absolute → credentials (407) → Exchange (request body streamed by its framing)
 *                            CONNECT (between exchanges) → credentials (407) → tunnel, with the rest of the bytes
 *                            origin-form / invalid → 400 and close
 *   exchange done ─▶ keep-alive: next buffered request │ close: FIN after the response
 *
 * Pipelined requests wait in the buffer until the exchange before them is over; reading pauses
 * while the buffer is past its cap.
 */
import { concatBytes, latin1 } from "../bytes.ts";
import { HttpError } from "../errors.ts";
import type { ForwardContext } from "./context.ts";
import type { Endpoint } from "../net/endpoint.ts";
import { lingerClose, plainResponse, proxyAuthRequired } from "../net/raw-response.ts";
import type { Closable, Entry } from "../net/registry.ts";
import { sniff, type Sniffed } from "./sniff.ts";
import { MAX_REQUEST_HEAD } from "../options.ts";
import type { Peer } from "../security/access.ts";
import { ConnectionCredentials } from "../security/connection-credentials.ts";
import { proxyAuthorizationIn } from "../security/credentials.ts";
import { openTunnel } from "./connect-tunnel.ts";
import { Exchange } from "./exchange.ts";
import type { ExchangeOwner } from "./exchange-owner.ts";
import { parseRequestHead, type RequestHead } from "./http-head.ts";
import type { HttpUrlTarget } from "./target.ts";
import type { UpstreamPool } from "./upstream-pool.ts";

const loopbackNames = new Set(["127.0.0.1", "localhost", "::1"]);

export class ForwardSession implements ExchangeOwner, Closable {
  readonly client: Endpoint;
  readonly clientName: string;
  private buffer: Uint8Array = new Uint8Array(0);
  private exchange: Exchange | undefined;
  private idle: Timer | undefined;
  /** A request head under way after the first (the front timed that one): --header-timeout. */
  private headTimer: Timer | undefined;
  /** Between requests on a kept-alive connection (what the idle timer is for). */
  private waiting = false;
  private clientFin = false;
  private done = false;
  /** An answer is still queued for the client: the next request waits until it has read it. */
  private held = false;
  private readonly credentials: ConnectionCredentials;
  private readonly entry: Entry;
  /** What the front already made of the head at the start of the buffer: not parsed twice. */
  private sniffed: Sniffed | undefined;

  /**
   * `client` is the connection's one Endpoint (made where it was accepted); `bytes` what it
   * sent so far, starting with the head the front sniffed as `first`.
   */
  constructor(
    readonly ctx: ForwardContext,
    readonly pool: UpstreamPool,
    client: Endpoint,
    bytes: Uint8Array,
    readonly peer: Peer,
    first?: Sniffed,
  ) {
    this.clientName = `${client.socket.remoteAddress}`;
    this.client = client;
    this.sniffed = first;
    this.credentials = new ConnectionCredentials(ctx.access, peer);
    this.client.onChunk = (chunk) => this.onData(chunk);
    this.client.onFin = () => this.onFin();
    this.client.onGone = () => this.onGone();
    this.client.onWritable = () => {
      if (this.exchange) this.exchange.clientWritable();
      else if (this.held) this.next();
    };
    this.entry = ctx.registry.add(this);
    this.onData(bytes);
  }

  // --- ExchangeOwner ---

  isSelf(target: HttpUrlTarget): boolean {
    const port = this.ctx.publicPort();
    return target.port === port && (loopbackNames.has(target.host) || target.host === this.ctx.options.host);
  }

  finished(closeClient: boolean): void {
    this.exchange = undefined;
    if (closeClient) return this.close();
    // The idle timer runs while the answer drains too: a client that never reads is closed.
    this.armIdle();
    // Pipelined answers never pile up in the client's queue: one exchange's tail at most.
    if (this.client.queued > 0) return void (this.held = true);
    this.next();
  }

  /** Takes the next request, or waits for one. */
  private next(): void {
    if (this.held) this.armIdle(); // the client read: it is not idle
    this.held = false;
    this.resumeClient();
    this.process();
    // A client that half-closed after pipelining requests gets an answer to each, then our close.
    if (this.clientFin && !this.exchange && !this.done) this.close();
  }

  private armIdle(): void {
    // One timer per connection, re-armed: a fresh setTimeout per request costs more than the parse.
    this.waiting = true;
    (this.idle ??= setTimeout(() => this.waiting && !this.exchange && this.close(), this.ctx.options.idleTimeoutMs)).refresh();
  }

  upgraded(): Uint8Array {
    this.exchange = undefined;
    this.leave();
    // Anything buffered behind the upgrade request is already the new protocol's.
    const early = this.buffer;
    this.buffer = new Uint8Array(0);
    return early;
  }

  pauseClient(): void {
    this.client.pause();
  }

  resumeClient(): void {
    if (this.buffer.length < MAX_REQUEST_HEAD) this.client.resume();
  }

  destroy(): void {
    this.exchange?.destroy();
    this.leave();
    this.client.destroy();
  }

  // --- client events ---

  private onData(chunk: Uint8Array): void {
    if (this.done) return;
    this.buffer = concatBytes(this.buffer, chunk);
    this.process();
    if (this.buffer.length >= MAX_REQUEST_HEAD && !this.done) this.client.pause();
  }

  private onFin(): void {
    this.clientFin = true;
    if (this.exchange) this.exchange.clientEnded(this.buffer.length > 0);
    else if (!this.held) this.close();
  }

  private onGone(): void {
    this.exchange?.clientLeft();
    this.leave();
  }

  // --- the request loop ---

  /** Handles what the buffer holds; the exchange's upstream writes go out as one. */
  private process(): void {
    try {
      this.step();
    } finally {
      this.exchange?.uncork();
    }
  }

  private step(): void {
    while (!this.done && !this.held && this.buffer.length > 0) {
      if (this.exchange) {
        if (this.exchange.requestDone) return; // pipelined: wait for the response
        const taken = this.exchange.feedRequest(this.buffer);
        this.buffer = this.buffer.subarray(taken);
        if (taken === 0) return;
        continue;
      }
      this.waiting = false;
      const result = this.sniffed ?? sniff(this.buffer);
      this.sniffed = undefined;
      if (result.kind !== "incomplete") {
        clearTimeout(this.headTimer);
        this.headTimer = undefined;
      }
      switch (result.kind) {
        case "incomplete":
          this.headTimer ??= setTimeout(() => this.reject(408, "request head not received in time"), this.ctx.options.headerTimeoutMs);
          return;
        case "invalid":
          return this.reject(result.status, result.reason);
        case "origin":
          return this.reject(400, "a request to the proxy itself cannot follow proxied requests on one connection");
        case "connect": {
          if (this.credentials.needed && !this.credentials.allows(proxyAuthorizationIn(this.buffer, result.headLength))) return this.refuseCredentials();
          const rest = this.buffer.slice(result.headLength);
          this.leave();
          return openTunnel(this.ctx, this.client, result.target, rest, this.peer);
        }
        case "absolute": {
          const text = latin1(this.buffer, 0, result.headLength);
          this.buffer = this.buffer.subarray(result.headLength);
          try {
            const head = parseRequestHead(text);
            if (this.credentials.needed && !this.credentials.allows(proxyAuthorization(head))) return this.refuseCredentials();
            this.exchange = new Exchange(this, head);
          } catch (error) {
            if (!(error instanceof HttpError)) throw error;
            return this.reject(error.status, error.message);
          }
        }
      }
    }
  }

  /** 407 and close (logged, without the credential, by Access). */
  private refuseCredentials(): void {
    this.leave();
    lingerClose(this.client, proxyAuthRequired);
  }

  private reject(status: number, message: string): void {
    this.ctx.log.warn(`${this.clientName} - ${status} ${message}`);
    this.leave();
    lingerClose(this.client, plainResponse(status, message));
  }

  private close(): void {
    this.leave();
    // FIN after the last response, then read and drop what the client still sends until it
    // closes: closing with unread input would reset the connection and could lose that response.
    lingerClose(this.client, new Uint8Array(0));
  }

  /** Stops owning the client connection (closing it is the caller's business). */
  private leave(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.idle);
    clearTimeout(this.headTimer);
    this.entry.remove();
  }
}

function proxyAuthorization(head: RequestHead): string | undefined {
  for (const field of head.headers) if (field.key === "proxy-authorization") return field.value;
  return undefined;
}
