/**
 * `bun scripts/bench.ts` (npm run bench): every benchmark, one line per figure.
 *
 * The box is shared and small, so absolute numbers are noise: each figure is a ratio to a
 * baseline measured in the same run, interleaved with it. Traffic stays on 127.0.0.1, on
 * servers the benchmarks start themselves; each part closes what it started.
 *
 *   bench-connect.ts  CONNECT tunnel throughput and set-up latency
 *   bench-churn.ts    CONNECT open-close cycles with 8 clients, beside a bare Bun tunnel (the
 *                     floor, bench-churn-floor.ts) and tinyproxy when installed
 *   bench-forward.ts  plain-HTTP forwarding requests/s and added latency
 *   bench-bridge.ts   the MCP bridge: round trip, concurrent calls, memory per session
 *   bench-auth.ts     --auth always vs --auth off: CONNECT set-up and forwarded requests/s
 *   bench-status.ts   what the status page's bookkeeping costs: A/B with it switched off
 *   bench-named.ts    named servers (--config): /servers/<name>/… round trip vs the unnamed routes
 */
import { availableParallelism, loadavg } from "node:os";
import { benchAuth } from "./bench-auth.ts";
import { benchBridge } from "./bench-bridge.ts";
import { benchChurn } from "./bench-churn.ts";
import { benchConnect } from "./bench-connect.ts";
import { benchForward } from "./bench-forward.ts";
import { benchNamed } from "./bench-named.ts";
import { benchStatus } from "./bench-status.ts";

/** The whole run must be done by then; a stuck part fails it instead of hanging. */
const DEADLINE_MS = 600_000;

const watchdog = setTimeout(() => {
  console.error(`bench: not finished after ${DEADLINE_MS / 1000}s, giving up`);
  process.exit(1);
}, DEADLINE_MS);
watchdog.unref();

const parts: [name: string, run: () => Promise<string[]>][] = [
  ["connect", benchConnect],
  ["churn", benchChurn],
  ["forward", benchForward],
  ["bridge", benchBridge],
  ["auth", benchAuth],
  ["status", benchStatus],
  ["named", benchNamed],
];

const load = loadavg().map((v) => v.toFixed(2)).join(" ");
console.log(`mcp-proxy bench  bun ${Bun.version}  ${availableParallelism()} cpus  load ${load}`);
console.log("figures are medians; ratios are proxied / direct, measured interleaved in this run\n");

let failed = false;
for (const [name, run] of parts) {
  const began = performance.now();
  try {
    for (const line of await run()) console.log(line);
  } catch (error) {
    failed = true;
    console.log(`${name}: failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(`  (${name}: ${((performance.now() - began) / 1000).toFixed(1)} s)\n`);
}
clearTimeout(watchdog);
process.exitCode = failed ? 1 : 0;
