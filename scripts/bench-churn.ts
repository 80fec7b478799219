/**
 * CONNECT churn: open a tunnel, get `200 Connection established`, close, again, with 8
 * clients at once. Our proxy and tinyproxy (the best-known small C forward proxy, Debian's
 * package) side by side in the same run, rounds interleaved ABBA; tinyproxy is skipped with a
 * note when it is not installed.
 *
 *   main thread:  our proxy (start()) and the floor, a bare Bun tunnel (bench-churn-floor.ts);
 *                 on Linux the floor on two threads as well (a second listener on the port,
 *                 SO_REUSEPORT); tinyproxy: its own process on a free loopback port
 *   peer worker:  a TCP target that closes when the client does, and the 8 client loops
 *
 * Figures: cycles/s (median of rounds) and the p50 of the time to the 200 answer; each proxy's
 * CPU time per cycle, and how busy its thread and the load generator's were (from /proc): on a
 * 2-core box the two fill both cores, so a second proxy thread has no core to run on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, start } from "../src/index.ts";
import { answerPeer, askPeer, median, percentile, within } from "./bench-util.ts";
import { listenBareTunnel, listenBareTunnelTwice, type BareTunnel } from "./bench-churn-floor.ts";
import { cpuTimeMs, currentThreadId, OWN_THREAD, threadStat } from "./bench-cpu.ts";
import { startTinyproxy, type Tinyproxy } from "./bench-tinyproxy.ts";

const CLIENTS = 8;
const ROUNDS = 6;
const ROUND_MS = 2_000;
const WARMUP_MS = 500;
const RATE_TARGET = 1.2;
const P50_TARGET = 0.8;

interface RunRequest {
  proxies: Record<string, number>;
  /** Where each proxy's CPU time is read: the /proc stat files of its threads or process. */
  cpuOf: Record<string, string[]>;
}
interface Round {
  proxy: string;
  cycles: number;
  seconds: number;
  /** ms from connect() to the end of the 200 head, per cycle. */
  setup: number[];
  /** The proxy's CPU time (user + system) over the round, in ms; NaN without /proc. */
  cpuMs: number;
  /** The load generator's (the peer worker's thread), likewise. */
  loadCpuMs: number;
}

// --- Main thread ---

export async function benchChurn(): Promise<string[]> {
  // Neither logs per connection: at its default level (Info) tinyproxy managed ~600 cycles/s
  // here, so the peer figure below is its best, not its default.
  const logDir = mkdtempSync(join(tmpdir(), "mcp-proxy-bench-churn-"));
  const ours = await start({ port: 0, host: "127.0.0.1", logger: createLogger("silent") });
  const floor = listenBareTunnel();
  let floor2: BareTunnel | undefined;
  let tiny: Tinyproxy | undefined;
  try {
    // SO_REUSEPORT spreads connections over the listeners on Linux only.
    if (process.platform === "linux") floor2 = await listenBareTunnelTwice();
    tiny = await startTinyproxy(logDir);
    // Ours and the floor run on this thread, one round at a time, with nothing else.
    const main = threadStat(currentThreadId());
    const proxies: Record<string, number> = { ours: ours.port, floor: floor.port };
    const cpuOf: RunRequest["cpuOf"] = { ours: [main], floor: [main] };
    if (floor2) [proxies.floor2, cpuOf.floor2] = [floor2.port, floor2.threadIds.map(threadStat)];
    if (tiny) [proxies.tinyproxy, cpuOf.tinyproxy] = [tiny.port, [`/proc/${tiny.pid}/stat`]];
    const rounds = await askPeer<Round[]>(new URL(import.meta.url).href, { proxies, cpuOf } satisfies RunRequest);
    return report(rounds, tiny !== undefined);
  } finally {
    await ours.close();
    floor.stop();
    floor2?.stop();
    await tiny?.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

function report(rounds: Round[], withTiny: boolean): string[] {
  const rate = (proxy: string) => median(rounds.filter((r) => r.proxy === proxy).map((r) => r.cycles / r.seconds));
  const p50 = (proxy: string) => percentile(rounds.filter((r) => r.proxy === proxy).flatMap((r) => r.setup).sort((a, b) => a - b), 50);
  const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  // CPU per cycle swings far less with the box's other load than the rates do.
  const cpu = (proxy: string) => {
    const own = rounds.filter((r) => r.proxy === proxy);
    return own.reduce((sum, r) => sum + r.cpuMs, 0) / own.reduce((sum, r) => sum + r.cycles, 0);
  };
  // The share of a round's wall time a thread ran: 1.00 is a core kept busy throughout.
  const busy = (proxy: string, of: "cpuMs" | "loadCpuMs") => median(rounds.filter((r) => r.proxy === proxy).map((r) => r[of] / (r.seconds * 1000)));
  const measured = (names: string[]) => names.filter((name) => rounds.some((r) => r.proxy === name));
  const cpuLines = (names: string[]) =>
    Number.isNaN(cpu("ours"))
      ? []
      : [
          `  proxy CPU per cycle: ${measured(names).map((name) => `${name} ${us(cpu(name))}`).join(", ")}`,
          `  cores busy (proxy + load generator): ${measured(names).map((name) => `${name} ${busy(name, "cpuMs").toFixed(2)} + ${busy(name, "loadCpuMs").toFixed(2)}`).join(", ")}`,
        ];
  const lines = [
    `connect churn, ${CLIENTS} clients: ours ${rate("ours").toFixed(0)} cycles/s, 200 p50 ${us(p50("ours"))}`,
    `  floor (a bare Bun tunnel, bench-churn-floor.ts): ${rate("floor").toFixed(0)} cycles/s, 200 p50 ${us(p50("floor"))}; ours ×${(rate("ours") / rate("floor")).toFixed(2)} of its rate, ×${(p50("ours") / p50("floor")).toFixed(2)} of its p50`,
  ];
  if (measured(["floor2"]).length > 0) {
    lines.push(
      `  floor on two threads (a second listener on the port, SO_REUSEPORT): ${rate("floor2").toFixed(0)} cycles/s, 200 p50 ${us(p50("floor2"))}; ×${(rate("floor2") / rate("floor")).toFixed(2)} of one thread's rate, ×${(p50("floor2") / p50("floor")).toFixed(2)} of its p50`,
    );
  }
  if (!withTiny) return [...lines, ...cpuLines(["ours", "floor", "floor2"]), `  tinyproxy not installed (apt-get install tinyproxy): no peer figures`];
  const rateRatio = rate("ours") / rate("tinyproxy");
  const p50Ratio = p50("ours") / p50("tinyproxy");
  lines.push(
    `connect churn vs tinyproxy: ${rate("tinyproxy").toFixed(0)} cycles/s, ours ×${rateRatio.toFixed(2)}  (target ≥ ×${RATE_TARGET})  ${rateRatio >= RATE_TARGET ? "PASS" : "FAIL"}`,
    `connect churn 200 p50 vs tinyproxy: ${us(p50("tinyproxy"))}, ours ×${p50Ratio.toFixed(2)}  (target ≤ ×${P50_TARGET})  ${p50Ratio <= P50_TARGET ? "PASS" : "FAIL"}`,
    `  floor vs tinyproxy: rate ×${(rate("floor") / rate("tinyproxy")).toFixed(2)}, 200 p50 ×${(p50("floor") / p50("tinyproxy")).toFixed(2)}`,
    ...cpuLines(["ours", "floor", "floor2", "tinyproxy"]),
    `  (${ROUNDS} rounds of ${ROUND_MS / 1000} s per proxy, ABBA)`,
  );
  return lines;
}

// --- Peer (Worker) ---

interface Cycle {
  started: number;
  head: string;
  done: (setupMs: number) => void;
  fail: (error: Error) => void;
  established: boolean;
  closed: () => void;
}

/** One open → 200 → close cycle; resolves with the set-up time once the socket has closed. */
function cycle(proxyPort: number, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let setup = 0;
    const state: Cycle = {
      started: performance.now(),
      head: "",
      established: false,
      done: (ms) => (setup = ms),
      fail: reject,
      closed: () => (state.established ? resolve(setup) : reject(new Error(`closed before 200: ${JSON.stringify(state.head.slice(0, 60))}`))),
    };
    Bun.connect<Cycle>({
      hostname: "127.0.0.1",
      port: proxyPort,
      data: state,
      socket: {
        open: (s) => void s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`),
        data: (s, chunk) => {
          const c = s.data;
          if (c.established) return;
          c.head += chunk.toString("latin1");
          if (!c.head.includes("\r\n\r\n")) return;
          if (!/^HTTP\/1\.[01] 200/.test(c.head)) return void s.end();
          c.established = true;
          c.done(performance.now() - c.started);
          s.end();
        },
        close: (s) => s.data.closed(),
        error: (s) => s.data.closed(),
      },
    }).catch(reject);
  });
}

async function runRound(proxy: string, port: number, target: string, ms: number, cpuOf: RunRequest["cpuOf"]): Promise<Round> {
  const setup: number[] = [];
  let cycles = 0;
  const cpuBefore = cpuTimeMs(cpuOf[proxy]!);
  const loadBefore = cpuTimeMs([OWN_THREAD]);
  const started = performance.now();
  const deadline = started + ms;
  await within(
    Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < deadline) {
          setup.push(await cycle(port, target));
          cycles++;
        }
      }),
    ),
    `a churn round through ${proxy}`,
  );
  const seconds = (performance.now() - started) / 1000;
  return { proxy, cycles, seconds, setup, cpuMs: cpuTimeMs(cpuOf[proxy]!) - cpuBefore, loadCpuMs: cpuTimeMs([OWN_THREAD]) - loadBefore };
}

async function runPeer({ proxies, cpuOf }: RunRequest): Promise<Round[]> {
  // The target closes its side when the client does: a tunnel's whole life, nothing in it.
  const targetServer = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, end: (s) => void s.end() } });
  const target = `127.0.0.1:${targetServer.port}`;
  const names = Object.keys(proxies);
  const rounds: Round[] = [];
  try {
    for (const name of names) await runRound(name, proxies[name]!, target, WARMUP_MS, cpuOf);
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) rounds.push(await runRound(name, proxies[name]!, target, ROUND_MS, cpuOf));
    }
    return rounds;
  } finally {
    targetServer.stop(true);
  }
}

if (!Bun.isMainThread) answerPeer(runPeer);

if (import.meta.main) for (const line of await benchChurn()) console.log(line);
