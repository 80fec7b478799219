/**
 * --config at start: read the file (OptionsError if unusable), bridge its servers, log what is
 * bridged and what is skipped, and follow the file from then on. close() stops the watch and
 * every named server's sessions.
 *
 *   loadServersConfig ─▶ NamedServers.apply ─▶ watchServersConfig ─▶ apply on every valid edit
 */
import type { Logger } from "../log.ts";
import type { SessionBudget } from "../mcp/sessions.ts";
import { loadServersConfig, watchServersConfig } from "./config-watch.ts";
import { NamedServers, type SharedConfig } from "./named-servers.ts";
import type { ServersConfig } from "./servers-config.ts";

export interface NamedBridge {
  servers: NamedServers;
  close(): Promise<void>;
}

export interface NamedBridgeOptions {
  path: string;
  shared: SharedConfig;
  childEnv: Record<string, string | undefined>;
  budget: SessionBudget;
  log: Logger;
}

export function startNamedServers({ path, shared, childEnv, budget, log }: NamedBridgeOptions): NamedBridge {
  const first = loadServersConfig(path);
  const servers = new NamedServers({ shared, childEnv, budget, log });
  const configLog = log.withTag("config");
  servers.apply(first.config);
  const names = first.config.servers.map((def) => def.name);
  configLog.info(`${path}: ${names.length} server${names.length === 1 ? "" : "s"} to bridge${names.length ? `: ${names.join(", ")}` : ""}`);
  let skipped = logSkipped(first.config, new Map(), configLog);

  const watcher = watchServersConfig(
    path,
    first.text,
    (config) => {
      const { added, changed, removed } = servers.apply(config);
      const parts = [list("added", added), list("changed", changed), list("removed", removed)].filter(Boolean);
      configLog.info(`${path} reloaded: ${parts.length ? parts.join("; ") : "no server changed"}`);
      skipped = logSkipped(config, skipped, configLog);
    },
    configLog,
  );
  let closing: Promise<void> | undefined;
  return {
    servers,
    close: () =>
      (closing ??= (async () => {
        watcher.close();
        await servers.closeAll();
      })()),
  };
}

/** Logs the entries skipped now that were not skipped (for that reason) before; returns them. */
function logSkipped(config: ServersConfig, before: Map<string, string>, log: Logger): Map<string, string> {
  for (const { name, reason } of config.skipped) if (before.get(name) !== reason) log.info(`server "${name}" skipped: ${reason}`);
  return new Map(config.skipped.map(({ name, reason }) => [name, reason]));
}

function list(what: string, names: string[]): string {
  return names.length ? `${what} ${names.join(", ")}` : "";
}
