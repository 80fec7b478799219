/** Helpers shared by the benchmark parts: medians, percentiles, bounded waits. */

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Rejects when `promise` takes longer than `ms`: a stuck step fails the run instead of hanging it. */
export function within<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * An A/B run: the same load against two set-ups that differ in one option, interleaved; the
 * subject must stay within `tolerance` (0.03 = 3 %) of the baseline.
 */
export interface AbComparison<T> {
  label: string;
  subject: T;
  baseline: T;
  tolerance: number;
}

// --- Workers: the benchmarks run their load in a Worker so the proxy keeps a loop (and a core) of its own ---

export type PeerMessage<T> = { ok: true; result: T } | { ok: false; error: string };

/**
 * Main thread: starts the Worker at `url`, posts `request`, and resolves with the result its
 * answerPeer() sends back (rejects with its error or crash); the Worker is ended either way.
 */
export function askPeer<T>(url: string, request: unknown): Promise<T> {
  const worker = new Worker(url);
  return new Promise<T>((resolve, reject) => {
    worker.addEventListener("message", (event: MessageEvent<PeerMessage<T>>) => {
      if (event.data.ok) resolve(event.data.result);
      else reject(new Error(`bench peer failed: ${event.data.error}`));
    });
    worker.addEventListener("error", (event) => reject(new Error(`bench peer crashed: ${event.message}`)));
    worker.postMessage(request);
  }).finally(() => worker.terminate());
}

/** In the Worker: answers each request with `run(request)`, or its error, as a PeerMessage. */
export function answerPeer<Req, T>(run: (request: Req) => Promise<T>): void {
  addEventListener("message", (event: MessageEvent<Req>) => {
    run(event.data).then(
      (result) => postMessage({ ok: true, result } satisfies PeerMessage<T>),
      (error) => postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies PeerMessage<T>),
    );
  });
}
