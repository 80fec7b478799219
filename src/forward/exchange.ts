/**
 * One forwarded request and its response, over one upstream connection.
 *
 *   request:  planRequest ─▶ UpstreamRequest (kept connection or new connect) ─▶ body by framing
 *   response: ResponseReader ─▶ 1xx relayed │ 101 → relayUpgrade │ final: rewritten head + body
 *   both ended cleanly ─▶ upstream back to the pool; anything else ─▶ upstream closed
 *
 * A status is sent only before the first response byte; after that a failure can only close
 * the client connection.
 */
import { latin1Bytes } from "../bytes.ts";
import { describeErrno, type HttpError } from "../errors.ts";
import type { Endpoint } from "../net/endpoint.ts";
import { plainResponse } from "../net/raw-response.ts";
import { BodyFramer, type FramingError } from "./body-framer.ts";
import type { ExchangeOwner } from "./exchange-owner.ts";
import { upstreamKeepsAlive } from "./headers.ts";
import type { RequestHead, ResponseHead } from "./http-head.ts";
import { ExchangeReport } from "./exchange-report.ts";
import { planRequest } from "./request-plan.ts";
import { ResponseReader, type ResponseSink } from "./response-reader.ts";
import { clientResponseHead, interimHead, switchingHead } from "./rewrite.ts";
import type { ByteSource, Outcome } from "../status/traffic.ts";
import { formatTarget, type HttpUrlTarget } from "./target.ts";
import { relayUpgrade } from "./upgrade-relay.ts";
import { UpstreamRequest } from "./upstream-request.ts";
import { upstreamFailure } from "./upstream-failure.ts";
import { ExchangeClock } from "./exchange-clock.ts";

export class Exchange implements ByteSource {
  requestDone: boolean;
  private readonly target: HttpUrlTarget;
  private readonly keepAlive: boolean;
  private readonly upgrade: boolean;
  private readonly requestBody: BodyFramer;
  private readonly key: string;
  private readonly link: UpstreamRequest;
  private readonly response: ResponseReader;
  private readonly report: ExchangeReport;
  /** Request bytes handed to the upstream connection, head included. */
  private sentUp: number;

  /** The status page's view of this exchange (ByteSource): request bytes sent, response body bytes. */
  get bytesUp(): number {
    return this.sentUp;
  }

  get bytesDown(): number {
    return this.response.bodyBytes;
  }
  /** Bytes of a response (or of our error) have gone to the client: only a close is left to fail with. */
  private responseStarted = false;
  private closeClient = false;
  /** The upstream sent past its framing or said close: never reuse it. */
  private closeUpstreamAfter = false;
  private over = false;
  private readonly clock: ExchangeClock;
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
    this.key = plan.key;
    this.requestBody = new BodyFramer(plan.framing);
    this.requestDone = this.requestBody.done;
    this.clock = new ExchangeClock(owner.ctx.options, this.key, () => owner.client.paused, (status, message) =>
      this.fail(status, message, status === 408 ? "rejected" : "timeout"),
    );
    if (!this.requestDone) this.clock.bodyProgress();
    this.response = new ResponseReader(head.method, this.responseSink());
    const name = formatTarget(this.target);
    this.sentUp = plan.upstreamHead.length;
    this.report = new ExchangeReport(owner, head, this.target, name, this);
    this.link = new UpstreamRequest(owner.ctx, owner.pool, this.target, this.key, latin1Bytes(plan.upstreamHead), owner.peer, {
      ready: (upstream) => this.attach(upstream),
      failed: (error) => {
        const { status, message, outcome } = upstreamFailure(owner.ctx.traffic, name, error);
        this.fail(status, message, outcome, outcome === "rejected" ? undefined : error);
      },
      pauseSource: () => owner.pauseClient(),
      resumeSource: () => owner.resumeClient(),
    });
  }

  /** Takes request-body bytes from the front of `bytes`; returns how many it took. */
  feedRequest(bytes: Uint8Array): number {
    if (this.requestDone || this.over) return 0;
    let taken: number;
    try {
      taken = this.requestBody.feed(bytes);
    } catch (error) {
      this.fail(400, `bad request: ${(error as FramingError).message}`, "rejected");
      return bytes.length;
    }
    if (taken > 0) this.sendUp(bytes.subarray(0, taken));
    if (this.requestBody.done) {
      this.requestDone = true;
      this.clock.bodyDone();
      this.maybeFinish();
    } else if (taken > 0) this.clock.bodyProgress();
    return taken;
  }

  /**
   * The client sent FIN. A request body still incomplete can never complete: give up on it.
   * A complete request still waiting for its answer is given up too, as nginx does
   * (`proxy_ignore_client_abort off`): TCP cannot tell a half-close from a client that left,
   * and holding the upstream for one that left is the worse mistake. Two exceptions keep
   * answering: the answer has begun (the client is reading it), or more requests were
   * pipelined behind this one (`printf '…' | nc -N`: a batch, then FIN to say "that is all").
   */
  clientEnded(pipelinedBehind: boolean): void {
    if (this.over || this.responseStarted) return;
    if (!this.requestDone) return this.abort();
    if (pipelinedBehind) return;
    this.clientGone();
    this.owner.finished(true);
  }

  /** The client's connection closed: drop everything, and log that it went away. */
  clientLeft(): void {
    if (!this.over) this.clientGone();
  }

  /** Shutdown: drop everything. */
  destroy(): void {
    if (this.over) return;
    this.stop();
    this.report.drop();
  }

  // --- upstream connection ---

  /** Sends the request bytes collected since the exchange began in one write. */
  uncork(): void {
    this.link.uncork();
  }

  /** Called when the client can take more response bytes. */
  clientWritable(): void {
    this.link.endpoint?.resume();
  }

  /** The connection is open with the request head on its way: read the response, start the clock. */
  private attach(upstream: Endpoint): void {
    upstream.onChunk = (chunk) => this.onUpstreamData(chunk);
    upstream.onFin = () => this.onUpstreamEnd();
    upstream.onGone = (error) => this.onUpstreamEnd(error);
    this.clock.awaitResponse();
  }

  private sendUp(bytes: Uint8Array): void {
    this.clock.sentUp();
    this.sentUp += bytes.length;
    this.link.send(bytes);
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
      if (!client.uncork()) this.link.endpoint?.pause();
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
        this.clock.responded();
        const client = { version: this.head.version, keepAlive: this.keepAlive, requestDone: this.requestDone };
        let response;
        try {
          response = clientResponseHead(client, head, framing);
        } catch (error) {
          this.fail(502, (error as HttpError).message, "unreachable");
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
      fail: (status, message) => this.fail(status, message, "unreachable"),
      broken: () => this.abort(),
    };
  }

  private toClient(bytes: Uint8Array | string): void {
    this.responseStarted = true;
    if (!this.owner.client.write(bytes)) this.link.endpoint?.pause();
  }

  private onUpstreamEnd(error?: Error): void {
    if (this.over) return;
    this.closeUpstreamAfter = true;
    if (!error && this.response.closedCleanly()) return;
    // Nothing came back (a bodiless request can be sent again): maybe a kept connection that died idle.
    if (!this.response.begun && this.requestBody.framing.kind === "none" && this.link.retry()) {
      this.clock.responded();
      return;
    }
    if (this.responseStarted) return this.abort();
    this.fail(502, `${this.key} closed the connection before responding${error ? ` (${describeErrno(error)})` : ""}`, "unreachable", error);
  }

  private switchProtocols(head: ResponseHead, rest: Uint8Array): void {
    if (!this.upgrade) return this.fail(502, "bad response from upstream: 101 without an upgrade request", "unreachable");
    this.clock.stop();
    this.over = true;
    this.report.end(101, "ok");
    relayUpgrade(this.owner.client, this.link.endpoint!, switchingHead(head), rest, this.owner.upgraded());
  }

  private maybeFinish(): void {
    if (this.over || !this.response.framer?.done) return;
    // A response that ends before its request body (an early 413, say) ends the connection.
    if (!this.requestDone) this.closeUpstreamAfter = true;
    this.over = true;
    this.clock.stop();
    const upstream = this.link.endpoint!;
    upstream.uncork();
    const head = this.response.head!;
    const reusable = this.requestDone && !this.closeUpstreamAfter && upstreamKeepsAlive(head) && this.response.framer.framing.kind !== "close";
    if (reusable) this.owner.pool.release(this.link.key, upstream);
    else upstream.destroy();
    this.report.end(head.status, "ok");
    this.owner.finished(this.closeClient);
  }

  /** Ends the exchange and drops the upstream connection, whatever state it is in. */
  private stop(): void {
    this.over = true;
    this.clock.stop();
    this.link.destroy();
  }

  private fail(status: number, message: string, outcome: Outcome, error?: unknown): void {
    if (this.over) return;
    if (this.responseStarted) return this.abort();
    this.stop();
    this.report.end(status, outcome, error);
    this.owner.client.write(plainResponse(status, message));
    this.owner.finished(true);
  }

  /** Closes the upstream at once and logs the 499 nobody will read. */
  private clientGone(): void {
    this.stop();
    this.report.end(499, "aborted");
  }

  private abort(): void {
    if (this.over) return;
    this.stop();
    this.report.end(0, "aborted");
    this.owner.client.destroy();
  }
}
