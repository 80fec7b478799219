/**
 * One forwarded request and its response, over one upstream connection.
 *
 *   request head ─rewrite─▶ upstream (kept one, or a new connect) ─▶ body, by its framing
 *   response head ─parse─▶ 1xx: relay, wait on │ 101: raw pipe │ final: rewritten head + body
 *   both ended cleanly ─▶ upstream back to the pool; anything else ─▶ upstream closed
 *
 * A status is sent only before the first response byte; after that a failure can only close
 * the client connection.
 */
import { latin1Bytes } from "../bytes.ts";
import { describeErrno, HttpError, statusForErrno } from "../errors.ts";
import type { Endpoint } from "../front/endpoint.ts";
import { pipe } from "../front/pipe.ts";
import { plainResponse } from "../front/raw-response.ts";
import { BodyFramer, type FramingError } from "./body-framer.ts";
import type { ExchangeOwner } from "./exchange-owner.ts";
import { upstreamKeepsAlive } from "./headers.ts";
import type { RequestHead, ResponseHead } from "./http-head.ts";
import { planRequest, requestLogLine } from "./request-plan.ts";
import { ResponseReader, type ResponseSink } from "./response-reader.ts";
import { clientResponseHead, interimHead, switchingHead } from "./rewrite.ts";
import { formatTarget, type HttpUrlTarget } from "./target.ts";
import { connectUpstream, type Connecting } from "./upstream-connect.ts";

export class Exchange {
  requestDone: boolean;
  private readonly target: HttpUrlTarget;
  private readonly keepAlive: boolean;
  private readonly upgrade: boolean;
  private readonly requestBody: BodyFramer;
  private readonly upstreamHead: string;
  private readonly key: string;
  private readonly started = performance.now();
  private upstream: Endpoint | undefined;
  private reused = false;
  private retried = false;
  private pending: Uint8Array[] = [];
  private readonly response: ResponseReader;
  /** Bytes of a response (or of our error) have gone to the client: only a close is left to fail with. */
  private responseStarted = false;
  private closeClient = false;
  /** The upstream sent past its framing or said close: never reuse it. */
  private closeUpstreamAfter = false;
  private over = false;
  /** Head and body of a request that arrived together go upstream in one write. */
  private corkUpstream = true;
  private timer: Timer | undefined;
  private connecting: Connecting | undefined;
  /** Inside onUpstreamData's cork; a completion seen there is finished after the write. */
  private feeding = false;
  private completed = false;

  constructor(
    private readonly owner: ExchangeOwner,
    private readonly head: RequestHead,
  ) {
    const plan = planRequest(head, (target) => owner.isSelf(target));
    this.target = plan.target;
    this.upgrade = plan.upgrade;
    this.keepAlive = plan.keepAlive;
    this.upstreamHead = plan.upstreamHead;
    this.key = plan.key;
    this.requestBody = new BodyFramer(plan.framing);
    this.requestDone = this.requestBody.done;
    this.response = new ResponseReader(head.method, this.responseSink());
    this.pending.push(latin1Bytes(this.upstreamHead));
    this.connect();
  }

  /** Takes request-body bytes from the front of `bytes`; returns how many it took. */
  feedRequest(bytes: Uint8Array): number {
    if (this.requestDone || this.over) return 0;
    let taken: number;
    try {
      taken = this.requestBody.feed(bytes);
    } catch (error) {
      this.fail(400, `bad request: ${(error as FramingError).message}`);
      return bytes.length;
    }
    if (taken > 0) this.sendUp(bytes.subarray(0, taken));
    if (this.requestBody.done) {
      this.requestDone = true;
      this.maybeFinish();
    }
    return taken;
  }

  /** The client sent FIN. A request body still incomplete can never complete: give up on it. */
  clientEnded(): void {
    if (this.over || this.requestDone || this.responseStarted) return;
    this.abort();
  }

  /** The client went away: drop everything. */
  destroy(): void {
    if (!this.over) this.stop();
  }

  // --- upstream connection ---

  /** Sends the request bytes collected since the exchange began (see attach) in one write. */
  uncork(): void {
    if (!this.corkUpstream) return;
    this.corkUpstream = false;
    if (this.upstream && !this.upstream.uncork()) this.owner.pauseClient();
  }

  /** Called when the client can take more response bytes. */
  clientWritable(): void {
    this.upstream?.resume();
  }

  private connect(allowKept = true): void {
    const kept = allowKept ? this.owner.pool.take(this.key) : undefined;
    if (kept) {
      this.reused = true;
      this.attach(kept);
      return;
    }
    const { ctx } = this.owner;
    this.connecting = connectUpstream(ctx, this.target, this.key === "self");
    this.connecting.promise.then(
      (upstream) => {
        this.connecting = undefined;
        if (this.over) upstream.destroy();
        else this.attach(upstream);
      },
      (error) => {
        this.connecting = undefined;
        if (this.over) return;
        const name = formatTarget(this.target);
        ctx.log.error(`${name} - ${describeErrno(error)}`);
        this.fail(statusForErrno(error), `cannot reach ${name}: ${describeErrno(error)}`);
      },
    );
  }

  private attach(upstream: Endpoint): void {
    this.upstream = upstream;
    upstream.onChunk = (chunk) => this.onUpstreamData(chunk);
    upstream.onFin = () => this.onUpstreamEnd();
    upstream.onGone = (error) => this.onUpstreamEnd(error);
    upstream.onWritable = () => this.owner.resumeClient();
    const queued = this.pending;
    this.pending = [];
    upstream.cork();
    for (const chunk of queued) upstream.write(chunk);
    if (!this.corkUpstream && !upstream.uncork()) this.owner.pauseClient();
    // sendUp paused the client while there was no upstream to write to; nothing else resumes
    // it unless a write backlogged (then onWritable does), so an upload would stall here.
    else this.owner.resumeClient();
    const timeoutMs = this.owner.ctx.options.responseTimeoutMs;
    this.timer = setTimeout(() => this.fail(504, `no response from ${this.key} within ${timeoutMs / 1000}s`), timeoutMs);
  }

  private sendUp(bytes: Uint8Array): void {
    if (!this.upstream) {
      this.pending.push(bytes.slice());
      this.owner.pauseClient();
      return;
    }
    // The response timeout counts from the last request byte we sent: an upload that takes
    // longer than responseTimeoutMs is progress, not a silent upstream.
    if (!this.response.head) this.timer?.refresh();
    if (!this.upstream.write(bytes)) this.owner.pauseClient();
  }

  // --- response ---

  private onUpstreamData(chunk: Uint8Array): void {
    if (this.over) return;
    const client = this.owner.client;
    client.cork();
    this.feeding = true;
    try {
      this.response.feed(chunk);
    } finally {
      this.feeding = false;
      if (!client.uncork()) this.upstream?.pause();
    }
    // The bookkeeping of a finished exchange (pool, log, next request) waits until the
    // response bytes are on their way: it is latency the client would otherwise wait for.
    if (this.completed) this.maybeFinish();
  }

  private responseSink(): ResponseSink {
    return {
      // 100 Continue and friends go to the client at once (not to HTTP/1.0 clients, §15.2).
      interim: (head) => {
        if (this.head.version === "HTTP/1.1") this.toClient(interimHead(head));
      },
      switching: (head, rest) => this.switchProtocols(head, rest),
      final: (head, framing) => {
        clearTimeout(this.timer);
        const client = { version: this.head.version, keepAlive: this.keepAlive, requestDone: this.requestDone };
        let response;
        try {
          response = clientResponseHead(client, head, framing);
        } catch (error) {
          this.fail(502, (error as HttpError).message);
          return { decoded: false };
        }
        this.closeClient = response.closeClient;
        this.toClient(response.head);
        return { decoded: response.dechunk };
      },
      body: (bytes) => {
        if (!this.over) this.toClient(bytes); // not after final() failed the exchange
      },
      complete: (extra) => {
        if (extra) this.closeUpstreamAfter = true;
        if (this.feeding) this.completed = true;
        else this.maybeFinish();
      },
      fail: (status, message) => this.fail(status, message),
      broken: () => this.abort(),
    };
  }

  private toClient(bytes: Uint8Array | string): void {
    this.responseStarted = true;
    if (!this.owner.client.write(bytes)) this.upstream?.pause();
  }

  private onUpstreamEnd(error?: Error): void {
    if (this.over) return;
    this.closeUpstreamAfter = true;
    if (!error && this.response.closedCleanly()) return;
    // Nothing came back on a kept connection: it was closed while idle; try once on a fresh one.
    if (!this.response.begun && this.reused && !this.retried && this.requestBody.framing.kind === "none") {
      this.retried = true;
      this.reused = false;
      this.upstream?.destroy();
      this.upstream = undefined;
      clearTimeout(this.timer);
      this.pending = [latin1Bytes(this.upstreamHead)];
      return this.connect(false);
    }
    if (this.responseStarted) return this.abort();
    this.fail(502, `${this.key} closed the connection before responding${error ? ` (${describeErrno(error)})` : ""}`);
  }

  private switchProtocols(head: ResponseHead, rest: Uint8Array): void {
    if (!this.upgrade) return this.fail(502, "bad response from upstream: 101 without an upgrade request");
    clearTimeout(this.timer);
    this.over = true;
    this.toClient(switchingHead(head));
    if (rest.length > 0) this.owner.client.write(rest);
    const upstream = this.upstream!;
    const early = this.owner.upgraded();
    if (early.length > 0) upstream.write(early);
    this.log(101);
    pipe(this.owner.client, upstream, () => {});
    this.owner.client.resume();
    upstream.resume();
  }

  private maybeFinish(): void {
    if (this.over || !this.response.framer?.done) return;
    // A response that ends before its request body (an early 413, say) ends the connection.
    if (!this.requestDone) this.closeUpstreamAfter = true;
    this.over = true;
    clearTimeout(this.timer);
    const upstream = this.upstream!;
    upstream.uncork();
    const head = this.response.head!;
    const reusable = this.requestDone && !this.closeUpstreamAfter && upstreamKeepsAlive(head) && this.response.framer.framing.kind !== "close";
    if (reusable) this.owner.pool.release(this.key, upstream);
    else upstream.destroy();
    this.log(head.status);
    this.owner.finished(this.closeClient);
  }

  /** Ends the exchange and drops the upstream connection, whatever state it is in. */
  private stop(): void {
    this.over = true;
    clearTimeout(this.timer);
    this.connecting?.cancel();
    this.upstream?.destroy();
  }

  private fail(status: number, message: string): void {
    if (this.over) return;
    if (this.responseStarted) return this.abort();
    this.stop();
    this.log(status);
    this.owner.client.write(plainResponse(status, message));
    this.owner.finished(true);
  }

  private abort(): void {
    if (this.over) return;
    this.stop();
    this.log(0);
    this.owner.client.destroy();
  }

  private log(status: number): void {
    const { ctx, clientName } = this.owner;
    if (ctx.log.level < 3) return; // below info: skip building the line
    const ms = performance.now() - this.started;
    ctx.log.info(requestLogLine(clientName, this.head, this.target, status, this.response.bodyBytes, ms, ctx.log.level >= 4));
  }
}
