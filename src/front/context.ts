/** What every connection handler of the front shares. */
import type { Logger } from "../log.ts";
import type { ResolvedOptions } from "../options.ts";
import type { Registry } from "./registry.ts";

export interface FrontContext {
  options: ResolvedOptions;
  log: Logger;
  /** Every open client and upstream connection, for shutdown. */
  registry: Registry;
  /** Where the internal Bun.serve app listens (a unix socket path or Linux abstract name). */
  appSocket: string;
}
