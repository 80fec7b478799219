/**
 * What the status page's bookkeeping costs on the hot paths: CONNECT throughput and set-up,
 * forwarded requests/s, and the bridge round trip, each through a proxy that keeps it against
 * one that does not (the internal `bookkeeping` switch; MCP_PROXY_BOOKKEEPING=0 for the CLI),
 * interleaved in the same run. Target: within 3 %.
 */
import { benchBridgeAb } from "./bench-bridge.ts";
import { benchConnectAb } from "./bench-connect.ts";
import { benchForwardAb } from "./bench-forward.ts";

const TOLERANCE = 0.03;
const label = "status bookkeeping on/off";

export async function benchStatus(): Promise<string[]> {
  return [
    ...(await benchConnectAb({ label, subject: { bookkeeping: true }, baseline: { bookkeeping: false }, tolerance: TOLERANCE })),
    ...(await benchForwardAb({ label, subject: { bookkeeping: true }, baseline: { bookkeeping: false }, tolerance: TOLERANCE })),
    ...(await benchBridgeAb({ label, subject: {}, baseline: { MCP_PROXY_BOOKKEEPING: "0" }, tolerance: TOLERANCE })),
  ];
}

if (import.meta.main) for (const line of await benchStatus()) console.log(line);
