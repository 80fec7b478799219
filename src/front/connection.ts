/**
 * A new client connection while the front decides where it goes.
 *
 *   bytes ──sniff──▶ CONNECT   → Proxy-Authorization? (407) → forward/connect-tunnel
 *                    absolute  → forward/forward-session (plain-HTTP forwarding; it checks credentials)
 *                    origin    → once its head is complete, the internal app (Bun.serve, see
 *                                app-link.ts), bytes replayed in order: the open one for a trusted
 *                                peer, the one that asks for a bearer token otherwise
 *                    invalid   → 400/414/431 and close
 *   no complete head within headerTimeoutMs → 408 and close
 */
import { openTunnel } from "../forward/connect-tunnel.ts";
import { ForwardSession } from "../forward/forward-session.ts";
import type { Peer } from "../security/access.ts";
import { proxyAuthorizationIn } from "../security/credentials.ts";
import type { FrontContext } from "./context.ts";
import { Endpoint, type RawSocket } from "../net/endpoint.ts";
import { proxyAuthRequired, respondAndClose, lingerClose } from "../net/raw-response.ts";
import type { Closable, Entry } from "../net/registry.ts";
import type { Deadline, Expiring } from "../net/deadlines.ts";
import { findHeadEnd, sniff } from "../forward/sniff.ts";
import { MAX_REQUEST_HEAD } from "../options.ts";
import { linkToApp } from "./app-link.ts";

const empty = new Uint8Array(0);

/** Makes the socket's one Endpoint and hands it on, with the bytes read and the sniff result. */
export class FrontConnection implements Closable, Expiring {
  /** Only for a head that spans chunks: most arrive whole and are sniffed where Bun put them. */
  private buffer = empty;
  private length = 0;
  private routed = false;
  private readonly deadline: Deadline;
  private readonly client: Endpoint;
  private readonly entry: Entry;

  constructor(
    private readonly socket: RawSocket,
    private readonly ctx: FrontContext,
    private readonly peer: Peer,
  ) {
    this.client = new Endpoint(socket);
    this.client.onChunk = (chunk) => this.onData(chunk);
    this.client.onFin = () => this.onEnd();
    this.client.onGone = () => this.onClose();
    this.entry = ctx.registry.add(this);
    this.deadline = ctx.deadlines.add(ctx.options.headerTimeoutMs, this);
  }

  /** No complete head within headerTimeoutMs. */
  expire(): void {
    this.reject(408, "request head not received in time");
  }

  onData(chunk: Uint8Array): void {
    if (this.routed) return;
    const searchFrom = Math.max(0, this.length - 3);
    const bytes = this.length === 0 ? chunk : this.append(chunk);
    const result = sniff(bytes, undefined, searchFrom);
    switch (result.kind) {
      case "incomplete":
        if (bytes === chunk) this.append(chunk);
        return;
      case "invalid":
        this.ctx.log.warn(`${this.socket.remoteAddress} - ${result.status} ${result.reason}`);
        return this.reject(result.status, result.reason);
      case "origin":
        // The whole head first, within headerTimeoutMs: the app has no clock of its own.
        if (findHeadEnd(bytes, searchFrom) === -1) {
          if (bytes === chunk) this.append(chunk);
          if (this.length > MAX_REQUEST_HEAD) this.reject(431, "request head too large");
          return;
        }
        this.settle();
        return linkToApp(this.ctx, this.client, this.peer.trusted, bytes);
      case "connect":
        this.settle();
        // A trusted peer needs no credentials: its head is not searched for them (the hot path).
        if (!this.peer.trusted && !this.ctx.access.proxyAuthorized(this.peer, proxyAuthorizationIn(bytes, result.headLength))) {
          return lingerClose(this.client, proxyAuthRequired);
        }
        return openTunnel(this.ctx, this.client, result.target, bytes.subarray(result.headLength), this.peer);
      case "absolute":
        this.settle();
        new ForwardSession(this.ctx, this.ctx.pool, this.client, bytes.slice(), this.peer, result);
        return;
    }
  }

  onEnd(): void {
    // FIN before a complete head: nothing more will come.
    if (!this.routed) this.reject(400, "connection closed before a complete request head");
  }

  onClose(): void {
    this.settle();
  }

  destroy(): void {
    this.settle();
    this.client.destroy();
  }

  private settle(): void {
    if (this.routed) return;
    this.routed = true;
    this.deadline.cancel();
    this.entry.remove();
  }

  private reject(status: number, reason: string): void {
    if (this.routed) return;
    this.settle();
    respondAndClose(this.client, status, reason);
  }

  private append(chunk: Uint8Array): Uint8Array {
    if (this.length + chunk.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + chunk.length, 1024));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length += chunk.length;
    return this.buffer.subarray(0, this.length);
  }
}
