/**
 * The named servers of --config: one Sessions per server definition, swapped on reload.
 *
 *   apply(config) ─▶ new name: a Sessions · same definition: kept · changed: a new Sessions,
 *                    the old one retired · gone: retired · disabled / remote: listed as skipped
 *   table(name)   ─▶ what /servers/<name>/… routes use: new sessions from the current
 *                    definition, existing ones found in the current or a retired Sessions
 *   a retired Sessions keeps its sessions (and children) until they end, then is dropped
 *
 * Every Sessions shares one SessionBudget, so --max-sessions caps all servers together.
 */
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { SessionBudget, Sessions, type BridgeSession, type SessionTable, type SessionsConfig } from "../mcp/sessions.ts";
import { BridgeStats } from "../status/bridge-stats.ts";
import type { BridgedServer } from "../status/sources.ts";
import { sameDefinition, type ServerDefinition, type ServersConfig } from "./servers-config.ts";

/** What every named server's Sessions shares: timeouts, caps, the parent environment. */
export type SharedConfig = Omit<SessionsConfig, "argv" | "env" | "cwd" | "maxSessions" | "budget" | "name" | "basePath" | "log" | "stats">;

export interface NamedServersOptions {
  shared: SharedConfig;
  /** mcp-proxy's environment; each server's `env` goes on top. */
  childEnv: Record<string, string | undefined>;
  budget: SessionBudget;
  log: Logger;
}

export interface ServerStatus {
  name: string;
  enabled: boolean;
  /** Why a listed server is not bridged (disabled, remote). */
  skipped?: string;
  /** Live sessions, those of a previous definition included. */
  sessions: number;
}

interface Current {
  def: ServerDefinition;
  sessions: Sessions;
}

export class NamedServers {
  private readonly current = new Map<string, Current>();
  private readonly retired = new Map<string, Sessions[]>();
  private skipped = new Map<string, string>();
  private readonly tables = new Map<string, SessionTable>();
  /** Per name, across reloads: the status page's history of a server outlives a definition. */
  private readonly stats = new Map<string, BridgeStats>();

  constructor(private readonly options: NamedServersOptions) {}

  /** Makes `config` the set in force; returns what changed, by name. */
  apply(config: ServersConfig): { added: string[]; changed: string[]; removed: string[] } {
    const added: string[] = [];
    const changed: string[] = [];
    const removed: string[] = [];
    const next = new Map(config.servers.map((def) => [def.name, def]));
    for (const [name, old] of this.current) {
      if (next.has(name)) continue;
      this.retire(name, old.sessions);
      this.current.delete(name);
      removed.push(name);
    }
    for (const def of config.servers) {
      const old = this.current.get(def.name);
      if (old && sameDefinition(old.def, def)) continue;
      if (old) this.retire(def.name, old.sessions);
      (old ? changed : added).push(def.name);
      this.current.set(def.name, { def, sessions: this.create(def) });
    }
    this.skipped = new Map(config.skipped.map(({ name, reason }) => [name, reason]));
    this.prune();
    return { added, changed, removed };
  }

  /** The routes' view of server `name`, or undefined when no such server is (or was) bridged. */
  table(name: string): SessionTable | undefined {
    if (!this.current.has(name)) {
      this.prune();
      if (!this.retired.has(name)) return undefined;
    }
    let table = this.tables.get(name);
    if (!table) this.tables.set(name, (table = this.view(name)));
    return table;
  }

  /** Why `name` is listed but not bridged, if it is. */
  skipReason(name: string): string | undefined {
    return this.skipped.get(name);
  }

  /** Bridged names, in file order. */
  names(): string[] {
    return [...this.current.keys()];
  }

  list(): ServerStatus[] {
    this.prune();
    const count = (name: string) =>
      (this.current.get(name)?.sessions.size ?? 0) + (this.retired.get(name) ?? []).reduce((sum, sessions) => sum + sessions.size, 0);
    return [
      ...[...this.current.keys()].map((name) => ({ name, enabled: true, sessions: count(name) })),
      ...[...this.skipped].map(([name, reason]) => ({ name, enabled: false, skipped: reason, sessions: count(name) })),
    ];
  }

  /** The bridged servers as the status page shows them; a retired definition's sessions included. */
  bridged(): BridgedServer[] {
    this.prune();
    return [...this.current].map(([name, { def, sessions }]) => {
      const all = [sessions, ...(this.retired.get(name) ?? [])];
      return {
        name,
        command: def.argv,
        routes: { mcp: `/servers/${name}/mcp`, sse: `/servers/${name}/sse` },
        sessions: { list: () => all.flatMap((s) => s.list()) },
        stats: this.statsFor(name),
      };
    });
  }

  /** Stops every session of every server, current or retired. */
  async closeAll(): Promise<void> {
    const all = [...[...this.current.values()].map((entry) => entry.sessions), ...[...this.retired.values()].flat()];
    await Promise.all(all.map((sessions) => sessions.closeAll()));
  }

  // --- internal ---

  private create(def: ServerDefinition): Sessions {
    const { shared, childEnv, budget, log } = this.options;
    return new Sessions({
      ...shared,
      argv: def.argv,
      env: { ...childEnv, ...def.env },
      cwd: def.cwd,
      maxSessions: Math.min(def.maxSessions ?? budget.limit, budget.limit),
      budget,
      name: def.name,
      basePath: `/servers/${def.name}`,
      log: log.withTag(`server "${def.name}"`),
      stats: this.statsFor(def.name),
    });
  }

  private statsFor(name: string): BridgeStats {
    let stats = this.stats.get(name);
    if (!stats) this.stats.set(name, (stats = new BridgeStats()));
    return stats;
  }

  private retire(name: string, sessions: Sessions): void {
    if (sessions.drained) return;
    this.retired.set(name, [...(this.retired.get(name) ?? []), sessions]);
  }

  /** Drops retired Sessions whose last session has ended, and tables nothing uses any more. */
  private prune(): void {
    for (const [name, list] of this.retired) {
      const left = list.filter((sessions) => !sessions.drained);
      if (left.length > 0) this.retired.set(name, left);
      else this.retired.delete(name);
    }
    for (const name of this.tables.keys()) if (!this.current.has(name) && !this.retired.has(name)) this.tables.delete(name);
  }

  private view(name: string): SessionTable {
    const now = () => {
      const entry = this.current.get(name);
      if (entry) return entry.sessions;
      const skipped = this.skipped.get(name);
      if (skipped) throw new HttpError(404, `server "${name}" is not bridged: ${skipped}`);
      throw new HttpError(404, `server "${name}" was removed from the config file; known servers: ${this.names().join(", ") || "none"}`);
    };
    return {
      get: (id: string): BridgeSession | undefined => {
        const found = this.current.get(name)?.sessions.get(id);
        if (found) return found;
        for (const sessions of this.retired.get(name) ?? []) {
          const old = sessions.get(id);
          if (old) return old;
        }
        return undefined;
      },
      openSse: () => now().openSse(),
      openStreamable: () => now().openStreamable(),
    };
  }
}
