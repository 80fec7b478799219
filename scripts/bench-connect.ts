/**
 * CONNECT tunnel benchmark: bulk throughput and set-up latency, proxied vs direct.
 *
 *   main thread:  the proxy (start(), as embedders run it)
 *   peer worker:  the load — a sink/source TCP target on 127.0.0.1 and the client that
 *                 talks to it either directly or through `CONNECT 127.0.0.1:<target>`
 *
 * The load runs in a Worker so the proxy gets an event loop (and, on 2 cores, a core) of its
 * own, as it would in production; with everything on one loop the client and target work
 * would be billed to the proxy. Every figure is a ratio to the direct run measured in the
 * same pass, interleaved with it (the order flips each round, ABBA), and reported as medians.
 *
 * This file is both the entry point (`benchConnect()`, main thread) and the peer (when it
 * is loaded as a Worker).
 */
import { createLogger, start, type ProxyOptions } from "../src/index.ts";
import { answerPeer, askPeer, inBothOrders, median, percentile, within, type AbComparison } from "./bench-util.ts";

// --- Settings ---

const MiB = 1024 * 1024;
/** Rounds per direction; rounds × roundBytes = 1 GiB per mode per direction. */
const ROUNDS = 16;
const ROUND_BYTES = 64 * MiB;
const WARMUP_BYTES = 32 * MiB;
/** Write size of both senders (partial writes are continued on drain). */
const CHUNK = 256 * 1024;
const LATENCY_SAMPLES = 2000;
const LATENCY_WARMUP = 200;

const THROUGHPUT_TARGET = 0.5;
const ADDED_P50_TARGET_MS = 0.3;

// --- Messages between main and peer ---

interface RunRequest {
  proxyPort: number;
  /** A/B runs: the baseline proxy, dialled where the plain run connects directly. */
  baselinePort?: number;
}

interface PeerResult {
  /** Per round, MiB/s: [direct, proxied]. */
  up: [number, number][];
  down: [number, number][];
  /** Set-up times in ms. */
  setupDirect: number[];
  setupProxied: number[];
  /** Set-up samples that failed (refused, closed, or an answer other than 200); at most 20 are tolerated. */
  errors: string[];
}


// --- Main thread ---

/** Runs the CONNECT benchmark and returns one report line per figure. */
export async function benchConnect(): Promise<string[]> {
  const proxy = await start({ port: 0, host: "127.0.0.1", logger: createLogger("silent") });
  try {
    const lines = report(await runWorker({ proxyPort: proxy.port }));
    const left = proxy.openConnections();
    if (left > 0) lines.push(`note: proxy still holds ${left} connection(s) after all clients closed`);
    return lines;
  } finally {
    await proxy.close();
  }
}

/**
 * The same load against two proxies that differ in one option (`subject` vs `baseline`),
 * interleaved as above: throughput and set-up of the subject as ratios to the baseline.
 */
export async function benchConnectAb(ab: AbComparison<ProxyOptions>): Promise<string[]> {
  const base = { port: 0, host: "127.0.0.1", logger: createLogger("silent") };
  const r = await inBothOrders(ab, (options) => start({ ...base, ...options }), async (subject, baseline) => {
    const run = await runWorker({ proxyPort: subject, baselinePort: baseline });
    const ratio = (rounds: [number, number][]) => median(rounds.map(([b, s]) => s / b));
    const p50 = (values: number[]) => percentile([...values].sort((x, y) => x - y), 50);
    return { up: ratio(run.up), down: ratio(run.down), setup: p50(run.setupProxied) / p50(run.setupDirect) };
  });
  const floor = 1 - ab.tolerance;
  return [
    `${ab.label}: connect throughput up ×${r.up.toFixed(3)}, down ×${r.down.toFixed(3)}  (target ≥ ×${floor.toFixed(2)})  ${verdict(r.up >= floor && r.down >= floor)}`,
    `${ab.label}: connect setup p50 ×${r.setup.toFixed(3)}  (target ≤ ×${(1 + ab.tolerance).toFixed(2)})  ${verdict(r.setup <= 1 + ab.tolerance)}`,
  ];
}

function runWorker(request: RunRequest): Promise<PeerResult> {
  return askPeer<PeerResult>(new URL(import.meta.url).href, request);
}

function report(r: PeerResult): string[] {
  const lines: string[] = [];
  for (const [label, rounds] of [
    ["up  ", r.up],
    ["down", r.down],
  ] as const) {
    const direct = median(rounds.map(([d]) => d));
    const proxied = median(rounds.map(([, p]) => p));
    const ratio = median(rounds.map(([d, p]) => p / d));
    lines.push(
      `connect throughput ${label}  direct ${mibs(direct)}   proxied ${mibs(proxied)}   ratio ${ratio.toFixed(2)}` +
        `  (target ≥ ${THROUGHPUT_TARGET.toFixed(2)})  ${verdict(ratio >= THROUGHPUT_TARGET)}`,
    );
  }
  const sd = [...r.setupDirect].sort((a, b) => a - b);
  const sp = [...r.setupProxied].sort((a, b) => a - b);
  const d50 = percentile(sd, 50);
  const p50 = percentile(sp, 50);
  const d99 = percentile(sd, 99);
  const p99 = percentile(sp, 99);
  const added = p50 - d50;
  lines.push(
    `connect setup p50        direct ${ms(d50)}   proxied ${ms(p50)}   ratio ${(p50 / d50).toFixed(1)}` +
      `   added ${ms(added)}  (target ≤ ${ms(ADDED_P50_TARGET_MS)})  ${verdict(added <= ADDED_P50_TARGET_MS)}`,
  );
  lines.push(
    `connect setup p99        direct ${ms(d99)}   proxied ${ms(p99)}   ratio ${(p99 / d99).toFixed(1)}` +
      `   added ${ms(p99 - d99)}`,
  );
  lines.push(
    `  (${r.up.length} rounds × ${ROUND_BYTES / MiB} MiB per direction and mode, write size ${CHUNK / 1024} KiB;` +
      ` ${sd.length} + ${sp.length} set-up samples, sequential)`,
  );
  for (const error of r.errors.slice(0, 5)) lines.push(`  error: ${error}`);
  return lines;
}

const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
const mibs = (v: number) => `${v.toFixed(0).padStart(5)} MiB/s`;
const ms = (v: number) => `${v.toFixed(3)} ms`;



// --- Peer (Worker): target server and client ---

/**
 * Target protocol, first 16 bytes of a connection: "U" or "D" and the byte count as 15
 * digits. U: the target counts that many bytes (a sink). D: it sends that many (a source).
 * A connection that sends nothing is just accepted (set-up latency samples).
 */
const HEAD = 16;
const payload = new Uint8Array(CHUNK).map((_, i) => (i * 31 + 7) & 0xff);

interface Sender {
  left: number;
  offset: number;
}

/** Sends from `payload` until `s.left` is 0 or the kernel stops taking bytes; true when done. */
function pump(socket: { write(data: Uint8Array): number }, s: Sender): boolean {
  while (s.left > 0) {
    const len = Math.min(s.left, CHUNK - s.offset);
    const n = socket.write(payload.subarray(s.offset, s.offset + len));
    if (n <= 0) return false;
    s.left -= n;
    s.offset = s.offset + n === CHUNK ? 0 : s.offset + n;
    if (n < len) return false;
  }
  return true;
}

interface TargetConn {
  head: Uint8Array;
  headLength: number;
  mode: "" | "U" | "D";
  want: number;
  got: number;
  send: Sender;
}

/** Called when a sink connection has received all it was told to expect. */
let onSinkFull: () => void = () => {};

function startTarget() {
  const decoder = new TextDecoder();
  return Bun.listen<TargetConn>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { head: new Uint8Array(HEAD), headLength: 0, mode: "", want: 0, got: 0, send: { left: 0, offset: 0 } };
      },
      data(socket, chunk) {
        const c = socket.data;
        let rest: Uint8Array = chunk;
        if (c.mode === "") {
          const take = Math.min(HEAD - c.headLength, rest.length);
          c.head.set(rest.subarray(0, take), c.headLength);
          c.headLength += take;
          rest = rest.subarray(take);
          if (c.headLength < HEAD) return;
          const text = decoder.decode(c.head);
          c.mode = text[0] === "D" ? "D" : "U";
          c.want = Number(text.slice(1));
          if (c.mode === "D") {
            c.send.left = c.want;
            pump(socket, c.send);
            return;
          }
        }
        if (c.mode === "U" && c.got < c.want) {
          c.got += rest.length;
          if (c.got >= c.want) onSinkFull();
        }
      },
      drain(socket) {
        if (socket.data.mode === "D") pump(socket, socket.data.send);
      },
      error() {},
    },
  });
}

interface ClientState {
  /** Set on open, before the Bun.connect promise settles. */
  socket?: ClientSocket;
  onOpen(): void;
  onData(chunk: Uint8Array): void;
  onDrain(): void;
  onClose(): void;
}

type ClientSocket = Awaited<ReturnType<typeof Bun.connect<ClientState>>>;

const clientHandlers = {
  open: (s: ClientSocket) => {
    s.data.socket = s;
    s.data.onOpen();
  },
  data: (s: ClientSocket, chunk: Uint8Array) => s.data.onData(chunk),
  drain: (s: ClientSocket) => s.data.onDrain(),
  close: (s: ClientSocket) => s.data.onClose(),
  error: (s: ClientSocket) => s.data.onClose(),
  connectError: (s: ClientSocket) => s.data.onClose(),
};

interface Dialed {
  socket: ClientSocket;
  state: ClientState;
  /** ms from the connect call to open (direct) or to the end of the 200 head (proxied). */
  setupMs: number;
  closed: Promise<void>;
}

/** Opens a connection to the target, directly or through a CONNECT tunnel. */
function dial(targetPort: number, proxyPort: number | undefined): Promise<Dialed> {
  return new Promise((resolve, reject) => {
    let head = "";
    let done = false;
    let markClosed!: () => void;
    const closed = new Promise<void>((r) => (markClosed = r));
    const started = performance.now();
    const ready = () => {
      done = true;
      resolve({ socket: state.socket!, state, setupMs: performance.now() - started, closed });
    };
    const state: ClientState = {
      onOpen() {
        if (proxyPort === undefined) return ready();
        state.socket!.write(`CONNECT 127.0.0.1:${targetPort} HTTP/1.1\r\n\r\n`);
      },
      onData(chunk) {
        if (done) return;
        head += new TextDecoder().decode(chunk);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        if (!head.startsWith("HTTP/1.1 200") || end + 4 !== head.length) {
          done = true;
          state.socket!.terminate();
          reject(new Error(`unexpected tunnel answer: ${JSON.stringify(head.slice(0, 80))}`));
          return;
        }
        ready();
      },
      onDrain() {},
      onClose() {
        markClosed();
        if (!done) {
          done = true;
          reject(new Error("connection closed before it was established"));
        }
      },
    };
    Bun.connect<ClientState>({ hostname: "127.0.0.1", port: proxyPort ?? targetPort, data: state, socket: clientHandlers }).catch(
      (error) => {
        if (!done) {
          done = true;
          reject(error);
        }
      },
    );
  });
}


const headFor = (mode: "U" | "D", bytes: number) => `${mode}${String(bytes).padStart(HEAD - 1, "0")}`;

/** Client → target, `bytes` bytes; MiB/s from the first byte sent to the last one counted. */
async function upload(targetPort: number, proxyPort: number | undefined, bytes: number): Promise<number> {
  const link = await within(dial(targetPort, proxyPort), "connect");
  const full = new Promise<void>((r) => (onSinkFull = r));
  const send: Sender = { left: bytes, offset: 0 };
  const started = performance.now();
  if (link.socket.write(headFor("U", bytes)) !== HEAD) throw new Error("short write of the 16-byte head");
  link.state.onDrain = () => void pump(link.socket, send);
  pump(link.socket, send);
  await within(full, `upload of ${bytes / MiB} MiB`);
  const mibps = bytes / MiB / ((performance.now() - started) / 1000);
  link.socket.end();
  await within(link.closed, "close");
  return mibps;
}

/** Target → client, `bytes` bytes; MiB/s from the request to the last byte counted. */
async function download(targetPort: number, proxyPort: number | undefined, bytes: number): Promise<number> {
  const link = await within(dial(targetPort, proxyPort), "connect");
  let got = 0;
  let markFull!: () => void;
  const full = new Promise<void>((r) => (markFull = r));
  link.state.onData = (chunk) => {
    got += chunk.length;
    if (got >= bytes) markFull();
  };
  const started = performance.now();
  if (link.socket.write(headFor("D", bytes)) !== HEAD) throw new Error("short write of the 16-byte head");
  await within(full, `download of ${bytes / MiB} MiB`);
  const mibps = bytes / MiB / ((performance.now() - started) / 1000);
  link.socket.end();
  await within(link.closed, "close");
  return mibps;
}

/** One set-up sample: time to a usable connection; the teardown is awaited, outside the timing. */
async function setupOnce(targetPort: number, proxyPort: number | undefined): Promise<number> {
  const link = await within(dial(targetPort, proxyPort), "connect");
  link.socket.end();
  await within(link.closed, "close");
  return link.setupMs;
}

async function runPeer({ proxyPort, baselinePort }: RunRequest): Promise<PeerResult> {
  const target = startTarget();
  const port = target.port;
  /** Runs `fn(direct or baseline)` and `fn(proxied)` in an order that flips every round; returns them in that order. */
  async function pair<T>(round: number, proxyPort: number, fn: (proxyPort: number | undefined) => Promise<T>): Promise<[T, T]> {
    if (round % 2 === 0) {
      const d = await fn(baselinePort);
      return [d, await fn(proxyPort)];
    }
    const p = await fn(proxyPort);
    return [await fn(baselinePort), p];
  }
  const result: PeerResult = { up: [], down: [], setupDirect: [], setupProxied: [], errors: [] };
  try {
    await pair(0, proxyPort, (p) => upload(port, p, WARMUP_BYTES));
    await pair(0, proxyPort, (p) => download(port, p, WARMUP_BYTES));
    for (let round = 0; round < ROUNDS; round++) {
      result.up.push(await pair(round, proxyPort, (p) => upload(port, p, ROUND_BYTES)));
      result.down.push(await pair(round, proxyPort, (p) => download(port, p, ROUND_BYTES)));
    }
    for (let i = 0; i < LATENCY_WARMUP; i++) await pair(i, proxyPort, (p) => setupOnce(port, p));
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      try {
        const [d, p] = await pair(i, proxyPort, (p) => setupOnce(port, p));
        result.setupDirect.push(d);
        result.setupProxied.push(p);
      } catch (error) {
        result.errors.push(String(error));
        if (result.errors.length > 20) throw error;
      }
    }
    return result;
  } finally {
    target.stop(true);
  }
}

if (!Bun.isMainThread) answerPeer(runPeer);
