/**
 * What every doctor check returns, and the shape `mcp-proxy doctor --json` prints (documented
 * in the README; a field is only ever added, never renamed or removed).
 */

/** ok ✓, fail ✗ (doctor exits 1), warn ! (worth knowing, not an error), skip - (does not apply). */
export type CheckStatus = "ok" | "fail" | "warn" | "skip";

export type CheckGroup = "proxy" | "network-extensions" | "config" | "node" | "reachability";

export interface Check {
  /** Stable id: `proxy.listening`, `proxy.identity`, `proxy.version`, `network-extensions`, `config.file`, `config.server:<name>`, `node.version`, `reachability:<host:port>`. */
  id: string;
  group: CheckGroup;
  status: CheckStatus;
  /** One line, plain words. */
  message: string;
  /** What to do; always present on a fail. */
  fix?: string;
}

export interface DoctorReport {
  /** false when any check failed; the exit code is 0 for true, 1 for false. */
  ok: boolean;
  /** This mcp-proxy's version. */
  version: string;
  /** The proxy address doctor looked at. */
  proxy: string;
  /** The config file doctor read. */
  config: string;
  checks: Check[];
}
