/**
 * What one forwarded request leaves behind: its row on the status page (a Flow whose live
 * byte counts come from the exchange) and its one log line, both written once, however the
 * exchange ends.
 *
 *   new ─▶ Flow open ─ end(status, outcome) ─▶ Flow in history + `client GET host/path 200 64 B 3 ms`
 */
import type { ByteSource, Flow, Outcome } from "../status/traffic.ts";
import type { ExchangeOwner } from "./exchange-owner.ts";
import type { RequestHead } from "./http-head.ts";
import { requestLogLine } from "./request-plan.ts";
import type { HttpUrlTarget } from "./target.ts";

export class ExchangeReport {
  private readonly started = performance.now();
  private readonly flow: Flow;
  private ended = false;

  constructor(
    private readonly owner: ExchangeOwner,
    private readonly head: RequestHead,
    private readonly target: HttpUrlTarget,
    /** `formatTarget(target)`, which the exchange has made already. */
    name: string,
    private readonly source: ByteSource,
  ) {
    // The display string is built only when the status page asks; it never shows the query string.
    this.flow = owner.ctx.traffic.start("request", owner.clientName, name, head.method, target.path);
    this.flow.source = source;
  }

  /**
   * The exchange is over. A client that went away got no status: the status page says 0, the
   * log `499` (nginx's word for it) when we closed the upstream for it, `aborted` otherwise.
   */
  end(status: number, outcome: Outcome, error?: unknown): void {
    if (this.ended) return;
    this.drop(outcome === "aborted" ? 0 : status, outcome, error);
    const { ctx, clientName } = this.owner;
    if (ctx.log.level < 3) return; // below info: skip building the line
    const ms = performance.now() - this.started;
    ctx.log.info(requestLogLine(clientName, this.head, this.target, status, this.source.bytesDown, ms, ctx.log.level >= 4));
  }

  /** Ends the row without a log line: shutdown is logged once, not per request. */
  drop(status = 0, outcome: Outcome = "aborted", error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.flow.end(status, outcome, error);
  }
}
