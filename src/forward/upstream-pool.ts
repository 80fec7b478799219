/**
 * Idle upstream connections kept for reuse, per `host:port`. A kept connection that talks
 * (unsolicited bytes), hangs up or idles past the timeout is closed and forgotten.
 * Reusing saves a TCP handshake per request; scripts/bench.ts measures it against one
 * connection per request.
 */
import type { Endpoint } from "../net/endpoint.ts";
import type { Closable } from "../net/registry.ts";

export interface PoolLimits {
  /** Idle connections kept per host:port; 0 turns reuse off. */
  maxIdlePerHost: number;
  idleTimeoutMs: number;
}

interface Idle {
  endpoint: Endpoint;
  /** performance.now() when it was kept. */
  since: number;
}

export class UpstreamPool implements Closable {
  private readonly idle = new Map<string, Idle[]>();
  /** One sweep timer for the whole pool, not one per kept connection: a kept connection is per request. */
  private sweeper: Timer | undefined;

  constructor(private readonly limits: PoolLimits) {}

  /** A kept connection to `key`, or undefined. The most recently kept goes first. */
  take(key: string): Endpoint | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const { endpoint } = list.pop()!;
      if (!endpoint.closed) return endpoint;
    }
    return undefined;
  }

  /** Keeps `endpoint` for the next request to `key`, or closes it if the pool is full. */
  release(key: string, endpoint: Endpoint): void {
    let list = this.idle.get(key);
    if (!list) {
      list = [];
      this.idle.set(key, list);
    }
    if (list.length >= this.limits.maxIdlePerHost || endpoint.closed) {
      endpoint.destroy();
      return;
    }
    const entry: Idle = { endpoint, since: performance.now() };
    const kept = list;
    const drop = () => {
      const at = kept.indexOf(entry);
      if (at !== -1) kept.splice(at, 1);
      endpoint.destroy();
    };
    endpoint.onChunk = drop;
    endpoint.onFin = drop;
    endpoint.onGone = drop;
    endpoint.onWritable = () => {};
    endpoint.resume();
    list.push(entry);
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(this.limits.idleTimeoutMs / 4, 10));
  }

  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  destroy(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const list of this.idle.values()) for (const entry of list) entry.endpoint.destroy();
    this.idle.clear();
  }

  /** Closes connections kept longer than the idle timeout; stops sweeping when none is left. */
  private sweep(): void {
    const oldest = performance.now() - this.limits.idleTimeoutMs;
    for (const [key, list] of this.idle) {
      // Oldest first: `release` appends and `take` pops the newest.
      while (list.length > 0 && list[0]!.since <= oldest) list.shift()!.endpoint.destroy();
      if (list.length === 0) this.idle.delete(key);
    }
    if (this.idle.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
