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

/** A proxy as the A/B runs need it: its port, and a way to stop it. */
export interface AbProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * Runs `measure(subjectPort, baselinePort)` twice: the two proxies started subject first, then
 * baseline first; each figure is the geometric mean of the two subject/baseline ratios. Two
 * proxies in one process are not equal: an A/B of two identical forwarding proxies read
 * ×0.97–1.07, and which one started first moved the forwarding A/B by up to ~15 %.
 */
export async function inBothOrders<T, K extends string>(
  ab: AbComparison<T>,
  startProxy: (options: T) => Promise<AbProxy>,
  measure: (subjectPort: number, baselinePort: number) => Promise<Record<K, number>>,
): Promise<Record<K, number>> {
  const runs: Record<K, number>[] = [];
  for (const subjectFirst of [true, false]) {
    const first = await startProxy(subjectFirst ? ab.subject : ab.baseline);
    const second = await startProxy(subjectFirst ? ab.baseline : ab.subject);
    try {
      const [subject, baseline] = subjectFirst ? [first, second] : [second, first];
      runs.push(await measure(subject.port, baseline.port));
    } finally {
      await first.close();
      await second.close();
    }
  }
  const [a, b] = runs as [Record<K, number>, Record<K, number>];
  return Object.fromEntries(Object.keys(a).map((key) => [key, Math.sqrt(a[key as K] * b[key as K])])) as Record<K, number>;
}
