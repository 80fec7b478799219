/**
 * What the proxy side is doing and has done: open tunnels and forwarded requests, the last
 * closed ones, failing targets grouped by cause, and the counters /metrics exposes.
 *
 *   connect-tunnel / exchange ─ start() ─▶ Flow (open) ─ end() ─▶ history ring + counters
 *   upstream connect ─ connected(ms) ─▶ latency histogram │ ─ failed(target, error) ─▶ failure table
 *
 * Byte counts of open flows are read from their sockets when someone looks, never counted per
 * chunk here, so the hot paths pay one small object per flow and nothing per byte. Memory is
 * bounded: a ring for history, a capped table for failures.
 */
import { describeErrno, errnoCode } from "../errors.ts";
import { CONNECT_SECONDS, Histogram } from "./histogram.ts";
import { Ring } from "./ring.ts";
import { type Link, LinkedList } from "../linked-list.ts";

export type FlowKind = "tunnel" | "request";
/** How a flow ended, as a bounded label: `ok` means the client got the upstream's answer. */
export type Outcome = "ok" | "unreachable" | "timeout" | "rejected" | "aborted";
export const OUTCOMES: readonly Outcome[] = ["ok", "unreachable", "timeout", "rejected", "aborted"];

/** What counts a flow's bytes while it is open (the tunnel, the exchange): read when someone looks. */
export interface ByteSource {
  /** Client → upstream. */
  readonly bytesUp: number;
  /** Upstream → client. */
  readonly bytesDown: number;
}

export interface FailingTarget {
  target: string;
  code: string;
  cause: string;
  count: number;
  firstAt: number;
  lastAt: number;
}

export const HISTORY_SIZE = 100;
export const MAX_FAILING_TARGETS = 200;

/**
 * One tunnel or forwarded request, open and then in history: the same object, so that ending
 * one allocates nothing but its error text. What it shows (`what`) is built only when read.
 */
export class Flow {
  readonly startedAt = Date.now();
  /** @internal Its place among the open flows. */
  openLink: Link<Flow> | undefined;
  /** Live counts while open; dropped at the end so that the exchange or tunnel can go. */
  source: ByteSource | undefined;
  endedAt = 0;
  status = 0;
  outcome: Outcome | undefined;
  error: string | undefined;
  private finalUp = 0;
  private finalDown = 0;

  constructor(
    private readonly traffic: Traffic | undefined,
    readonly id: number,
    readonly kind: FlowKind,
    readonly client: string,
    /** `host:port` */
    readonly target: string,
    /** The request's method and path (its query kept here, never shown); none for a tunnel. */
    private readonly method = "",
    private readonly path = "",
  ) {}

  get up(): number {
    return this.source?.bytesUp ?? this.finalUp;
  }

  get down(): number {
    return this.source?.bytesDown ?? this.finalDown;
  }

  /** `CONNECT host:port` or `GET http://host:port/path`, the query string left out. */
  get what(): string {
    if (this.kind === "tunnel") return `CONNECT ${this.target}`;
    const query = this.path.indexOf("?");
    return `${this.method} http://${this.target}${query === -1 ? this.path : this.path.slice(0, query)}`;
  }

  /** Once: the final counts are kept, and the flow moves to history. */
  end(status: number, outcome: Outcome, error?: unknown): void {
    if (this.outcome !== undefined) return;
    this.finalUp = this.up;
    this.finalDown = this.down;
    this.source = undefined;
    this.status = status;
    this.outcome = outcome;
    this.endedAt = Date.now();
    if (error !== undefined) this.error = describeErrno(error);
    this.traffic?.closed(this);
  }
}

export class Traffic {
  readonly open = new LinkedList<Flow>();
  readonly history = new Ring<Flow>(HISTORY_SIZE);
  readonly failures = new Map<string, FailingTarget>();
  readonly connectSeconds = new Histogram(CONNECT_SECONDS);
  /** Ended flows by kind and outcome. */
  readonly outcomes: Record<FlowKind, Record<Outcome, number>> = { tunnel: zeroCounts(), request: zeroCounts() };
  readonly bytes = { tunnel: { up: 0, down: 0 }, request: { up: 0, down: 0 } };
  /** errno code → count of upstream failures. */
  readonly errors = new Map<string, number>();
  private nextId = 1;

  /** @param enabled false: every call is a no-op (the benchmark's A/B switch). */
  constructor(readonly enabled = true) {}

  /** A new flow; `method` and `path` for a forwarded request. */
  start(kind: FlowKind, client: string, target: string, method?: string, path?: string): Flow {
    if (!this.enabled) return new Flow(undefined, 0, kind, client, target, method, path);
    const flow = new Flow(this, this.nextId++, kind, client, target, method, path);
    flow.openLink = this.open.add(flow);
    return flow;
  }

  /** A new upstream TCP connection opened after `ms`. */
  connected(ms: number): void {
    if (this.enabled) this.connectSeconds.observe(ms / 1000);
  }

  /** An upstream could not be reached: counted by errno and grouped by target and cause. */
  failed(target: string, error: unknown): void {
    if (!this.enabled) return;
    const code = errnoCode(error);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    const key = `${target} ${code}`;
    const now = Date.now();
    const known = this.failures.get(key);
    if (known) {
      known.count++;
      known.lastAt = now;
      known.cause = describeErrno(error);
      // Re-inserted so the Map's order stays least recently seen first, for eviction.
      this.failures.delete(key);
      this.failures.set(key, known);
      return;
    }
    if (this.failures.size >= MAX_FAILING_TARGETS) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(key, { target, code, cause: describeErrno(error), count: 1, firstAt: now, lastAt: now });
  }

  /** Totals of bytes, the open flows' bytes so far included (the sum never goes down). */
  byteTotals(kind: FlowKind): { up: number; down: number } {
    const totals = { ...this.bytes[kind] };
    for (const flow of this.open) {
      if (flow.kind !== kind) continue;
      totals.up += flow.up;
      totals.down += flow.down;
    }
    return totals;
  }

  /** Called by Flow.end(). */
  closed(flow: Flow): void {
    flow.openLink?.remove();
    flow.openLink = undefined;
    this.bytes[flow.kind].up += flow.up;
    this.bytes[flow.kind].down += flow.down;
    this.outcomes[flow.kind][flow.outcome!]++;
    this.history.push(flow);
  }
}

function zeroCounts(): Record<Outcome, number> {
  return { ok: 0, unreachable: 0, timeout: 0, rejected: 0, aborted: 0 };
}
