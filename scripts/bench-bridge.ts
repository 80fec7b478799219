/**
 * MCP bridge benchmark: the SDK client talking to server-everything through mcp-proxy's
 * Streamable HTTP (/mcp) and HTTP+SSE (/sse) bridges vs the same client talking stdio to the
 * same server directly.
 *
 *   proxy:   a child process (`bun src/cli.ts -p 0 --sse …`), so it has an event loop of its
 *            own and its RSS can be read from /proc without the clients' memory in it
 *   clients: this process; bridged = SSEClientTransport, mcp = StreamableHTTPClientTransport,
 *            direct = StdioClientTransport
 *
 * Figures: sequential tools/call echo round trip p50/p99 (ratios /sse/direct and /mcp//sse), 20 sessions
 * × pipelined calls (calls/s, ratio), and the proxy's RSS per idle session (children
 * excluded; the idle sessions run `cat`, since only the proxy's side is measured).
 * Sequential calls interleave the three modes one call at a time; throughput rounds alternate.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AbComparison } from "./bench-util.ts";

// --- Settings ---

const root = join(import.meta.dir, "..");
const SERVER = [join(root, "node_modules", ".bin", "mcp-server-everything"), "stdio"];
/** Sequential calls per mode, interleaved one at a time across the modes. */
const SEQUENTIAL_CALLS = 1500;
const WARMUP_CALLS = 20;
const SESSIONS = 20;
const PIPELINED_PER_SESSION = 50;
const IDLE_SESSIONS = 50;
/** Targets: the latency /sse adds over direct stdio, and /mcp's round trip relative to /sse's. */
const SSE_ADDED_TARGET_MS = 0.3;
const MCP_VS_SSE_TARGET = 1.1;
/** Calls/s of 20 concurrent /sse sessions relative to direct stdio, and the proxy's memory per idle session. */
const CONCURRENT_TARGET = 0.3;
const SESSION_MEMORY_TARGET_KIB = 100;
/** Any single step that takes longer than this fails the run instead of hanging it. */
const STEP_TIMEOUT_MS = 30_000;

// --- Entry point ---

/** Runs the bridge benchmark and returns one report line per figure. */
export async function benchBridge(): Promise<string[]> {
  const lines: string[] = [];
  await using proxy = await startProxyProcess(SERVER, SESSIONS + 4);
  const seqBridged: number[] = [];
  const seqMcp: number[] = [];
  const seqDirect: number[] = [];
  const rateBridged: number[] = [];
  const rateDirect: number[] = [];
  const connectors = { bridged: () => connectBridged(proxy.url), mcp: () => connectMcp(proxy.url), direct: connectDirect };
  const [bridged, mcp, direct] = await rotatingCalls([connectors.bridged, connectors.mcp, connectors.direct], SEQUENTIAL_CALLS);
  seqBridged.push(...bridged!);
  seqMcp.push(...mcp!);
  seqDirect.push(...direct!);
  for (let round = 0; round < 2; round++) {
    // Throughput: two rounds per mode, the order flipped; each round spawns 20 servers.
    for (const mode of round === 0 ? (["bridged", "direct"] as const) : (["direct", "bridged"] as const)) {
      (mode === "bridged" ? rateBridged : rateDirect).push(await pipelined(connectors[mode]));
    }
  }
  const [bp50, bp99, dp50, dp99] = [pct(seqBridged, 50), pct(seqBridged, 99), pct(seqDirect, 50), pct(seqDirect, 99)];
  const [mp50, mp99] = [pct(seqMcp, 50), pct(seqMcp, 99)];
  lines.push(
    `bridge: sequential echo p50 /sse ${ms(bp50)} vs direct stdio ${ms(dp50)} (×${(bp50 / dp50).toFixed(2)}, added ${ms(bp50 - dp50)}, target ≤ ${ms(SSE_ADDED_TARGET_MS)} ${verdict(bp50 - dp50 <= SSE_ADDED_TARGET_MS)}), ` +
      `p99 ${ms(bp99)} vs ${ms(dp99)} (×${(bp99 / dp99).toFixed(2)}), ${seqBridged.length} calls each`,
  );
  lines.push(
    `bridge: sequential echo p50 /mcp ${ms(mp50)} vs /sse ${ms(bp50)} (×${(mp50 / bp50).toFixed(3)}, target ≤ ×${MCP_VS_SSE_TARGET.toFixed(2)} ${verdict(mp50 / bp50 <= MCP_VS_SSE_TARGET)}), ` +
      `p99 ${ms(mp99)} vs ${ms(bp99)} (×${(mp99 / bp99).toFixed(2)}); vs direct stdio p50 ×${(mp50 / dp50).toFixed(2)}`,
  );
  const [rb, rd] = [median(rateBridged), median(rateDirect)];
  lines.push(
    `bridge: ${SESSIONS} sessions × ${PIPELINED_PER_SESSION} pipelined calls: ${rb.toFixed(0)} calls/s vs direct stdio ` +
      `${rd.toFixed(0)} calls/s (×${(rb / rd).toFixed(2)}, target ≥ ×${CONCURRENT_TARGET.toFixed(2)} ${verdict(rb / rd >= CONCURRENT_TARGET)})`,
  );
  lines.push(await idleSessionMemory());
  return lines;
}

/**
 * The sequential round trip through two proxy processes that differ only in their environment
 * (`subject` vs `baseline`), on /sse and /mcp, all four interleaved call by call. Run twice,
 * the processes started in the other order the second time (which of two processes starts
 * first alone moved the figure by ~2 % in an A/A run), and reported as the geometric mean.
 */
export async function benchBridgeAb(ab: AbComparison<Record<string, string>>): Promise<string[]> {
  const first = await abHalf(ab.subject, ab.baseline);
  const second = await abHalf(ab.baseline, ab.subject).then(([sse, mcp]) => [1 / sse, 1 / mcp]);
  const ceiling = 1 + ab.tolerance;
  return (["/sse", "/mcp"] as const).map((route, i) => {
    const ratio = Math.sqrt(first[i]! * second[i]!);
    return `${ab.label}: bridge round trip p50 ${route} ×${ratio.toFixed(3)}  (target ≤ ×${ceiling.toFixed(2)})  ${verdict(ratio <= ceiling)}`;
  });
}

/** p50 ratios [/sse, /mcp] of process a over process b (a is started first). */
async function abHalf(a: Record<string, string>, b: Record<string, string>): Promise<[number, number]> {
  await using first = await startProxyProcess(SERVER, 4, [], a);
  await using second = await startProxyProcess(SERVER, 4, [], b);
  const times = await rotatingCalls(
    [() => connectBridged(first.url), () => connectBridged(second.url), () => connectMcp(first.url), () => connectMcp(second.url)],
    SEQUENTIAL_CALLS,
  );
  return [pct(times[0]!, 50) / pct(times[1]!, 50), pct(times[2]!, 50) / pct(times[3]!, 50)];
}

// --- Load ---

export type Connect = () => Promise<Client>;
type Mode = "bridged" | "mcp" | "direct";

async function connectBridged(url: string): Promise<Client> {
  const client = new Client({ name: "bench", version: "1.0.0" });
  await step(client.connect(new SSEClientTransport(new URL(`${url}/sse`))), "bridged connect");
  return client;
}

async function connectMcp(url: string): Promise<Client> {
  const client = new Client({ name: "bench", version: "1.0.0" });
  await step(client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`))), "/mcp connect");
  return client;
}

async function connectDirect(): Promise<Client> {
  const client = new Client({ name: "bench", version: "1.0.0" });
  await step(client.connect(new StdioClientTransport({ command: SERVER[0]!, args: SERVER.slice(1), stderr: "ignore" })), "direct connect");
  return client;
}

const echo = (client: Client, n: number) => client.callTool({ name: "echo", arguments: { message: `bench ${n}` } });

/**
 * Round-trip times (ms) of sequential echo calls, one array per connector, in its order: one
 * session each, open side by side, the calls interleaved one at a time (the order rotating),
 * so that drift on a shared box hits every session alike; blocks of calls per session could
 * not resolve differences of ~50 µs. Every session is closed after, /mcp ones with DELETE.
 */
export async function rotatingCalls(connectors: Connect[], calls: number): Promise<number[][]> {
  const clients: Client[] = [];
  const times: number[][] = connectors.map(() => []);
  try {
    for (const connect of connectors) clients.push(await connect());
    for (let n = 0; n < WARMUP_CALLS; n++) for (const client of clients) await step(echo(client, n), "warm-up call");
    for (let n = 0; n < calls; n++) {
      for (let i = 0; i < clients.length; i++) {
        const k = (n + i) % clients.length;
        const began = performance.now();
        await step(echo(clients[k]!, n), "sequential call");
        times[k]!.push(performance.now() - began);
      }
    }
  } finally {
    for (const client of clients) {
      // Client.close() only hangs up; without DELETE the /mcp session would live on until --session-idle.
      if (client.transport instanceof StreamableHTTPClientTransport) await step(client.transport.terminateSession(), "DELETE /mcp");
      await client.close();
    }
  }
  return times;
}

/** Calls per second with SESSIONS sessions each firing all its calls at once. */
async function pipelined(connect: Connect): Promise<number> {
  const clients = await Promise.all(Array.from({ length: SESSIONS }, connect));
  try {
    await Promise.all(clients.map((client) => step(echo(client, -1), "warm-up call")));
    const began = performance.now();
    await step(
      Promise.all(clients.flatMap((client) => Array.from({ length: PIPELINED_PER_SESSION }, (_, n) => echo(client, n)))),
      "pipelined calls",
    );
    return (SESSIONS * PIPELINED_PER_SESSION) / ((performance.now() - began) / 1000);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** The proxy's own RSS growth per open, idle SSE session. */
async function idleSessionMemory(): Promise<string> {
  await using proxy = await startProxyProcess(["cat"], IDLE_SESSIONS + 4);
  const streams: AbortController[] = [];
  const open = async () => {
    const abort = new AbortController();
    const res = await step(fetch(`${proxy.url}/sse`, { signal: abort.signal }), "GET /sse");
    if (res.status !== 200 || !res.body) throw new Error(`GET /sse answered ${res.status}`);
    // Wait for the endpoint event: by then the session and its child exist.
    await step(res.body.getReader().read(), "endpoint event");
    streams.push(abort);
  };
  try {
    // One session opened and closed first, so one-time costs (code paths, buffers) are not billed per session.
    await open();
    streams.pop()!.abort();
    Bun.gc(true);
    const before = proxy.rss();
    for (let n = 0; n < IDLE_SESSIONS; n++) await open();
    const after = proxy.rss();
    const perSession = (after - before) / IDLE_SESSIONS;
    return (
      `bridge: proxy RSS ${(before / 2 ** 20).toFixed(1)} MiB → ${(after / 2 ** 20).toFixed(1)} MiB with ${IDLE_SESSIONS} idle sessions: ` +
      `~${(perSession / 1024).toFixed(0)} KiB per session (children excluded; target ≤ ${SESSION_MEMORY_TARGET_KIB} KiB ${verdict(perSession / 1024 <= SESSION_MEMORY_TARGET_KIB)})`
    );
  } finally {
    for (const abort of streams) abort.abort();
  }
}

// --- The proxy as a child process ---

export interface ProxyProcess extends AsyncDisposable {
  url: string;
  /** VmRSS of the proxy process alone, in bytes. */
  rss(): number;
}

/** `bun src/cli.ts -p 0 … --sse CMD`; `flags` go before --sse (bench-named.ts adds --config), `env` on top of ours. */
export async function startProxyProcess(sse: string[], maxSessions: number, flags: string[] = [], env: Record<string, string> = {}): Promise<ProxyProcess> {
  const proc = Bun.spawn(
    [process.execPath, join(root, "src", "cli.ts"), "-p", "0", "--max-sessions", String(maxSessions), ...flags, "--sse", ...sse],
    { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, ...env } },
  );
  const stop = async () => {
    proc.kill("SIGTERM");
    await Promise.race([proc.exited, Bun.sleep(10_000)]);
    proc.kill("SIGKILL");
    await proc.exited;
  };
  try {
    const url = await step(bannerUrl(proc.stderr), "the proxy's banner");
    return {
      url,
      rss: () => {
        const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
        return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
      },
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Reads stderr until the banner names the URL, then keeps draining it in the background. */
async function bannerUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`proxy exited before listening: ${text.slice(-500)}`);
    text += decoder.decode(value, { stream: true });
    const match = /listening on (http:\/\/\S+)/.exec(text);
    if (match) {
      void (async () => {
        while (!(await reader.read()).done) {
          // Drained so the proxy's logging never blocks it.
        }
      })();
      return match[1]!;
    }
  }
}

// --- Helpers ---

export function step<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: Timer;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench step timed out after ${STEP_TIMEOUT_MS} ms: ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const median = (values: number[]) => pct(values, 50);
const verdict = (pass: boolean) => (pass ? "PASS" : "FAIL");
const ms = (value: number) => `${value.toFixed(2)} ms`;

if (import.meta.main) for (const line of await benchBridge()) console.log(line);
