/** What every connection handler shares: the front hands it to tunnels and forwarded requests. */
import type { Logger } from "../log.ts";
import type { ResolvedOptions } from "../options.ts";
import type { Access } from "../security/access.ts";
import type { UpstreamPool } from "./upstream-pool.ts";
import type { Traffic } from "../status/traffic.ts";
import type { BusyPoll } from "../net/busy-poll.ts";
import type { Registry } from "../net/registry.ts";
import type { Deadlines } from "../net/deadlines.ts";

export interface ForwardContext {
  options: ResolvedOptions;
  log: Logger;
  /** Every open client and upstream connection, for shutdown. */
  registry: Registry;
  /** Head and connect timeouts, one timer per duration (net/deadlines.ts). */
  deadlines: Deadlines;
  /**
   * Where the internal Bun.serve app listens (a unix socket path or Linux abstract name): the
   * open one for a client that needs no credentials, the one that asks for a bearer token otherwise.
   */
  appSocket(trusted: boolean): string;
  /** Client admission, credentials and destination rules. */
  access: Access;
  /** The port the front actually bound (options.port may be 0). */
  publicPort(): number;
  /** Idle upstream connections kept for plain-HTTP forwarding. */
  pool: UpstreamPool;
  /** Keeps the loop polling for a moment after each read (--busy-poll). */
  poll: BusyPoll;
  /** Open and recent tunnels and forwarded requests, for the status page and /metrics. */
  traffic: Traffic;
}
