/**
 * Plain-HTTP forwarding benchmark: absolute-form requests through the proxy vs the same
 * requests straight to the origin, both with keep-alive.
 *
 *   main thread:    the proxy (two of them: upstream connections kept, and one per request)
 *   origin worker:  the origin (Bun.serve), on a thread of its own as a real origin would be
 *   client worker:  a raw keep-alive HTTP/1.1 client
 *
 * With origin and client on one thread the direct baseline would never cross threads while
 * the proxied path crosses four times, and the ratio would measure thread wake-ups.
 *
 * Figures: requests/s at 1 and 32 client connections (ratio to direct), and the latency the
 * proxy adds at p50 on one connection. Rounds are interleaved; medians are reported.
 */
import { createLogger, start, type ProxyOptions } from "../src/index.ts";
import { askPeer, inBothOrders, median, percentile, within, type AbComparison, type PeerMessage } from "./bench-util.ts";

const ROUNDS = 5;
const ROUND_MS = 1_500;
const LATENCY_SAMPLES = 3_000;
const RPS_TARGET_32 = 0.25;
const ADDED_P50_TARGET_MS = 0.1;

type Mode = "direct" | "kept" | "fresh";
interface RunRequest {
  ports: { kept: number; fresh: number };
  originPort: number;
}
type WorkerRequest = { role: "origin" } | ({ role: "client" } & RunRequest);
interface PeerResult {
  rps1: Record<Mode, number[]>;
  rps32: Record<Mode, number[]>;
  latency: Record<Mode, number[]>;
}

// --- Main thread ---

export async function benchForward(): Promise<string[]> {
  const logger = createLogger("silent");
  const kept = await start({ port: 0, logger });
  const fresh = await start({ port: 0, logger, reuseUpstream: false });
  try {
    return report(await runWorkers({ kept: kept.port, fresh: fresh.port }));
  } finally {
    await kept.close();
    await fresh.close();
  }
}

/**
 * Requests/s through two proxies that differ in one option: the subject where the plain run
 * has its kept-alive proxy, the baseline where it has the one-connection-per-request one.
 */
export async function benchForwardAb(ab: AbComparison<ProxyOptions>): Promise<string[]> {
  const logger = createLogger("silent");
  const r = await inBothOrders(ab, (options) => start({ port: 0, logger, ...options }), async (subject, baseline) => {
    const run = await runWorkers({ kept: subject, fresh: baseline });
    const ratio = (key: "rps1" | "rps32") => median(run[key].kept.map((s, i) => s / run[key].fresh[i]!));
    return { rps1: ratio("rps1"), rps32: ratio("rps32") };
  });
  const floor = 1 - ab.tolerance;
  return (["rps1", "rps32"] as const).map(
    (key) => `${ab.label}: forward req/s ${key === "rps1" ? "1 conn  " : "32 conns"} ×${r[key].toFixed(3)}  (target ≥ ×${floor.toFixed(2)})  ${r[key] >= floor ? "PASS" : "FAIL"}`,
  );
}

async function runWorkers(ports: RunRequest["ports"]): Promise<PeerResult> {
  const originWorker = new Worker(new URL(import.meta.url).href);
  try {
    const originPort = await new Promise<number>((resolve, reject) => {
      originWorker.addEventListener("message", (event: MessageEvent<number>) => resolve(event.data));
      originWorker.addEventListener("error", (event) => reject(new Error(`bench origin crashed: ${event.message}`)));
      originWorker.postMessage({ role: "origin" } satisfies WorkerRequest);
    });
    return await askPeer<PeerResult>(new URL(import.meta.url).href, { role: "client", ports, originPort } satisfies WorkerRequest);
  } finally {
    originWorker.terminate();
  }
}

function report(r: PeerResult): string[] {
  const lines: string[] = [];
  const fmt = (n: number) => n.toFixed(0).padStart(7);
  for (const [name, data] of [["1 conn", r.rps1], ["32 conns", r.rps32]] as const) {
    const direct = median(data.direct);
    const kept = median(data.kept);
    const fresh = median(data.fresh);
    const target = name === "32 conns" ? `  (target ≥ ${RPS_TARGET_32.toFixed(2)})  ${kept / direct >= RPS_TARGET_32 ? "PASS" : "FAIL"}` : "";
    lines.push(
      `forward req/s ${name.padEnd(8)}  direct ${fmt(direct)}   proxied ${fmt(kept)}   ratio ${(kept / direct).toFixed(2)}${target}`,
      `  one upstream connection per request instead: ${fmt(fresh)} req/s, ratio ${(fresh / direct).toFixed(2)}`,
    );
  }
  const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  const added = p50(r.latency.kept) - p50(r.latency.direct);
  lines.push(
    `forward latency p50       direct ${p50(r.latency.direct).toFixed(3)} ms   proxied ${p50(r.latency.kept).toFixed(3)} ms   added ${(added * 1000).toFixed(0)} µs  (target ≤ ${ADDED_P50_TARGET_MS * 1000} µs)  ${added <= ADDED_P50_TARGET_MS ? "PASS" : "FAIL"}`,
    `  (${ROUNDS} interleaved rounds of ${ROUND_MS} ms per mode; ${LATENCY_SAMPLES} sequential latency samples per mode)`,
  );
  return lines;
}



// --- Peer (Worker): origin and client ---

const BODY = "x".repeat(64);

/** A keep-alive HTTP/1.1 client on one raw socket; responses are framed by Content-Length. */
class Client {
  private buffer = "";
  private waiting: (() => void) | undefined;
  private constructor(
    private readonly socket: import("bun").Socket<Client | undefined>,
    private readonly request: string,
  ) {}

  static async open(port: number, request: string): Promise<Client> {
    let client: Client | undefined;
    const socket = await Bun.connect<Client | undefined>({
      hostname: "127.0.0.1",
      port,
      socket: { data: (s, chunk) => s.data?.onData(chunk.toString("latin1")) },
    });
    socket.setNoDelay(true);
    client = new Client(socket, request);
    socket.data = client;
    return client;
  }

  /** Sends one request and resolves when its whole response has arrived. */
  send(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      if (this.socket.write(this.request) !== this.request.length) throw new Error("short write of a small request");
    });
  }

  onData(text: string): void {
    this.buffer += text;
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end === -1) return;
    const length = Number(/content-length: *(\d+)/i.exec(this.buffer.slice(0, end))?.[1] ?? Number.NaN);
    if (this.buffer.length < end + 4 + length) return;
    this.buffer = this.buffer.slice(end + 4 + length);
    const done = this.waiting;
    this.waiting = undefined;
    done?.();
  }

  close(): void {
    this.socket.end();
  }
}

function requestFor(mode: Mode, originPort: number): string {
  const target = mode === "direct" ? "/" : `http://127.0.0.1:${originPort}/`;
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${originPort}\r\n\r\n`;
}


async function requestsPerSecond(port: number, request: string, connections: number): Promise<number> {
  const clients = await Promise.all(Array.from({ length: connections }, () => Client.open(port, request)));
  let count = 0;
  const deadline = performance.now() + ROUND_MS;
  const started = performance.now();
  await within(
    Promise.all(
      clients.map(async (client) => {
        while (performance.now() < deadline) {
          await client.send();
          count++;
        }
      }),
    ),
    "a request round",
  );
  const rps = count / ((performance.now() - started) / 1000);
  for (const client of clients) client.close();
  return rps;
}

async function runPeer({ ports, originPort }: RunRequest): Promise<PeerResult> {
  const portFor = (mode: Mode) => (mode === "direct" ? originPort : ports[mode]);
  const modes: Mode[] = ["direct", "kept", "fresh"];
  const empty = () => ({ direct: [], kept: [], fresh: [] }) as Record<Mode, number[]>;
  const result: PeerResult = { rps1: empty(), rps32: empty(), latency: empty() };
  {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? modes : [...modes].reverse();
      for (const mode of order) {
        result.rps1[mode].push(await requestsPerSecond(portFor(mode), requestFor(mode, originPort), 1));
        result.rps32[mode].push(await requestsPerSecond(portFor(mode), requestFor(mode, originPort), 32));
      }
    }
    const clients = Object.fromEntries(
      await Promise.all(modes.map(async (m) => [m, await Client.open(portFor(m), requestFor(m, originPort))] as const)),
    ) as Record<Mode, Client>;
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      for (const mode of i % 2 === 0 ? modes : [...modes].reverse()) {
        const started = performance.now();
        await within(clients[mode].send(), "a request");
        result.latency[mode].push(performance.now() - started);
      }
    }
    for (const client of Object.values(clients)) client.close();
    return result;
  }
}

if (!Bun.isMainThread) {
  addEventListener("message", (event: MessageEvent<WorkerRequest>) => {
    const request = event.data;
    if (request.role === "origin") {
      const origin = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(BODY) });
      postMessage(origin.port);
      return;
    }
    runPeer(request).then(
      (result) => postMessage({ ok: true, result } satisfies PeerMessage<PeerResult>),
      (error) => postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies PeerMessage<PeerResult>),
    );
  });
}


