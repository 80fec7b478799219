/**
 * Idle upstream connections kept for reuse, per `host:port`. A kept connection that talks
 * (unsolicited bytes), hangs up or idles past the timeout is closed and forgotten.
 * Reusing saves a TCP handshake per request; scripts/bench.ts measures it against one
 * connection per request.
 */
import type { Endpoint } from "../front/endpoint.ts";
import type { Closable } from "../front/registry.ts";

export interface PoolLimits {
  /** Idle connections kept per host:port; 0 turns reuse off. */
  maxIdlePerHost: number;
  idleTimeoutMs: number;
}

interface Idle {
  endpoint: Endpoint;
  timer: Timer;
}

export class UpstreamPool implements Closable {
  private readonly idle = new Map<string, Idle[]>();

  constructor(private readonly limits: PoolLimits) {}

  /** A kept connection to `key`, or undefined. */
  take(key: string): Endpoint | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const entry = list.pop()!;
      clearTimeout(entry.timer);
      if (!entry.endpoint.closed) return entry.endpoint;
    }
    return undefined;
  }

  /** Keeps `endpoint` for the next request to `key`, or closes it if the pool is full. */
  release(key: string, endpoint: Endpoint): void {
    const list = this.idle.get(key) ?? [];
    if (list.length >= this.limits.maxIdlePerHost || endpoint.closed) {
      endpoint.destroy();
      return;
    }
    this.idle.set(key, list);
    const entry: Idle = { endpoint, timer: setTimeout(() => drop(), this.limits.idleTimeoutMs) };
    const drop = () => {
      clearTimeout(entry.timer);
      const at = list.indexOf(entry);
      if (at !== -1) list.splice(at, 1);
      if (list.length === 0 && this.idle.get(key) === list) this.idle.delete(key);
      endpoint.destroy();
    };
    endpoint.onChunk = drop;
    endpoint.onFin = drop;
    endpoint.onGone = drop;
    endpoint.onWritable = () => {};
    endpoint.resume();
    list.push(entry);
  }

  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  destroy(): void {
    for (const list of this.idle.values()) {
      for (const entry of list) {
        clearTimeout(entry.timer);
        entry.endpoint.destroy();
      }
    }
    this.idle.clear();
  }
}
