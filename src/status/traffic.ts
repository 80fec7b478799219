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

export type FlowKind = "tunnel" | "request";
/** How a flow ended, as a bounded label: `ok` means the client got the upstream's answer. */
export type Outcome = "ok" | "unreachable" | "timeout" | "rejected" | "aborted";

/** Live byte counts: up is client → upstream, down is upstream → client. */
export interface ByteCounts {
  up(): number;
  down(): number;
}

export interface ClosedFlow {
  id: number;
  kind: FlowKind;
  client: string;
  target: string;
  what: string;
  status: number;
  outcome: Outcome;
  up: number;
  down: number;
  startedAt: number;
  endedAt: number;
  error?: string;
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
const zero: ByteCounts = { up: () => 0, down: () => 0 };

export class Flow {
  bytes: ByteCounts = zero;
  readonly startedAt = Date.now();
  private ended = false;

  constructor(
    private readonly traffic: Traffic | undefined,
    readonly id: number,
    readonly kind: FlowKind,
    readonly client: string,
    readonly target: string,
    /** What the client asked for, shown as is (`CONNECT host:port`) or built later (see `describe`). */
    private readonly describe: () => string,
  ) {}

  get what(): string {
    return this.describe();
  }

  /** Once: moves the flow to history with its final counts. */
  end(status: number, outcome: Outcome, error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.traffic?.closed(this, status, outcome, error);
  }
}

export class Traffic {
  readonly open = new Set<Flow>();
  readonly history = new Ring<ClosedFlow>(HISTORY_SIZE);
  readonly failures = new Map<string, FailingTarget>();
  readonly connectSeconds = new Histogram(CONNECT_SECONDS);
  /** `${kind} ${outcome}` → count. */
  readonly outcomes = new Map<string, number>();
  readonly bytes = { tunnel: { up: 0, down: 0 }, request: { up: 0, down: 0 } };
  /** errno code → count of upstream failures. */
  readonly errors = new Map<string, number>();
  private nextId = 1;

  /** @param enabled false: every call is a no-op (the benchmark's A/B switch). */
  constructor(readonly enabled = true) {}

  start(kind: FlowKind, client: string, target: string, describe: () => string): Flow {
    if (!this.enabled) return new Flow(undefined, 0, kind, client, target, describe);
    const flow = new Flow(this, this.nextId++, kind, client, target, describe);
    this.open.add(flow);
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
      totals.up += flow.bytes.up();
      totals.down += flow.bytes.down();
    }
    return totals;
  }

  closed(flow: Flow, status: number, outcome: Outcome, error?: unknown): void {
    this.open.delete(flow);
    const up = flow.bytes.up();
    const down = flow.bytes.down();
    this.bytes[flow.kind].up += up;
    this.bytes[flow.kind].down += down;
    const key = `${flow.kind} ${outcome}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    this.history.push({
      id: flow.id,
      kind: flow.kind,
      client: flow.client,
      target: flow.target,
      what: flow.what,
      status,
      outcome,
      up,
      down,
      startedAt: flow.startedAt,
      endedAt: Date.now(),
      ...(error === undefined ? {} : { error: describeErrno(error) }),
    });
    // The sockets may be reused (a kept-alive upstream): keep the final counts, not the sources.
    flow.bytes = { up: () => up, down: () => down };
  }
}
