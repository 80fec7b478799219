/**
 * A Prometheus-style histogram with fixed upper bounds: observe() is a short scan and three
 * additions, and its memory is one array, however many observations it sees.
 */
export class Histogram {
  /** Observations ≤ bounds[i], per bucket (not cumulative; the exposition adds them up). */
  private readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  /** Cumulative counts per bound, as the `_bucket{le="…"}` series need them (+Inf is `count`). */
  cumulative(): number[] {
    let running = 0;
    return this.counts.map((n) => (running += n));
  }
}

/** Upstream connect latency, in seconds: loopback (sub-ms) to a slow intranet host. */
export const CONNECT_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
