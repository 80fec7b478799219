/** What the status routes read from: the proxy's bookkeeping and every bridged server's. */
import type { BridgeSession } from "../mcp/sessions.ts";
import type { BridgeStats } from "./bridge-stats.ts";
import type { Traffic } from "./traffic.ts";

export interface BridgedServer {
  /** `default` for the --sse server. */
  name: string;
  command: string[];
  /** Paths of its endpoints on our port. */
  routes: { mcp: string; sse: string };
  /** Its live sessions (a named server's include those of a definition it replaced). */
  sessions: { list(): BridgeSession[] };
  stats: BridgeStats;
}

export interface StatusSources {
  version: string;
  /** ms since the epoch. */
  startedAt: number;
  /** `http://host:port`, once the front listens. */
  url(): string;
  traffic: Traffic;
  /** Client and upstream connections the front holds now. */
  openConnections(): number;
  bridges(): BridgedServer[];
}
