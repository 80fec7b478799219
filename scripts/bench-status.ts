/**
 * What the status page's bookkeeping costs on the hot paths: CONNECT throughput and set-up,
 * forwarded requests/s, and the bridge round trip, each through a proxy that keeps it against
 * one that does not (the internal `bookkeeping` switch; MCP_PROXY_BOOKKEEPING=0 for the CLI),
 * interleaved in the same run. Target: within 3 %.
 */
import { benchBridgeAb } from "./bench-bridge.ts";
import { benchConnectAb } from "./bench-connect.ts";
import { benchForwardAb } from "./bench-forward.ts";
import { Traffic } from "../src/status/traffic.ts";
import { median } from "./bench-util.ts";

const TOLERANCE = 0.03;
const label = "status bookkeeping on/off";

/** Flows per sample of the direct cost measure below. */
const FLOWS = 500_000;

export async function benchStatus(): Promise<string[]> {
  return [
    flowCost(),
    ...(await benchConnectAb({ label, subject: { bookkeeping: true }, baseline: { bookkeeping: false }, tolerance: TOLERANCE })),
    ...(await benchForwardAb({ label, subject: { bookkeeping: true }, baseline: { bookkeeping: false }, tolerance: TOLERANCE })),
    ...(await benchBridgeAb({ label, subject: {}, baseline: { MCP_PROXY_BOOKKEEPING: "0" }, tolerance: TOLERANCE })),
  ];
}

if (import.meta.main) for (const line of await benchStatus()) console.log(line);

/**
 * The direct cost, free of the A/B's noise: a tracked flow's whole life (start, live byte
 * source, end into history) against an untracked one, in the same loop, interleaved.
 */
function flowCost(): string {
  const source = { bytesUp: 100, bytesDown: 200 };
  const time = (traffic: Traffic) => {
    const began = performance.now();
    for (let i = 0; i < FLOWS; i++) {
      const flow = traffic.start("request", "127.0.0.1", "127.0.0.1:8080", "GET", "/path?query");
      flow.source = source;
      flow.end(200, "ok");
    }
    return ((performance.now() - began) * 1e6) / FLOWS;
  };
  const added: number[] = [];
  for (let round = 0; round < 6; round++) added.push(time(new Traffic(true)) - time(new Traffic(false)));
  return `${label}: ${median(added).toFixed(0)} ns added per tunnel or forwarded request (tracked vs untracked flow, median of 6 × ${FLOWS} flows)`;
}
