/**
 * Pure: which `env` keys setup adds or replaces in which server, and which it leaves alone and
 * why. Nothing here reads a file or prints; the plan is what the diff, the write, the undo
 * record and the report are all made from.
 *
 *   servers + proxy URL + --only/--except/--force ─▶ ServerPlan[] (add | replace | conflict per key)
 */
import { OptionsError } from "../errors.ts";
import type { ServerEntry } from "./claude-config.ts";
import { alreadyWanted, NO_PROXY_KEYS, SETUP_KEYS, wantedValue } from "./proxy-env.ts";

export interface KeyChange {
  key: string;
  /** add: the key was absent; replace: it held another value (NO_PROXY merged, or --force). */
  action: "add" | "replace";
  value: string;
  /** The value replaced; only ever a value of one of setup's own keys. */
  previous?: unknown;
}

/** changed: keys to add or replace; conflict: nothing to do but values left alone; already: nothing to do. */
export type ServerStatus = "changed" | "already" | "conflict" | "remote" | "disabled" | "no-command" | "excluded";

export interface ServerPlan {
  name: string;
  status: ServerStatus;
  changes: KeyChange[];
  /** Setup's keys that hold a different value, left alone (without --force). */
  conflicts: string[];
  /** The server had no `env` object; setup creates it (and undo removes it again). */
  createsEnv: boolean;
}

export interface PlanOptions {
  /** The proxy URL every proxy key gets. */
  url: string;
  /** Replace proxy values that differ instead of reporting them. @default false */
  force?: boolean;
  /** Only these servers (by name). @default undefined (all) */
  only?: string[];
  /** Every server but these. @default undefined (none) */
  except?: string[];
}

/** Throws when --only/--except name a server the file does not have: a typo must not pass silently. */
export function checkNames(servers: ServerEntry[], options: PlanOptions): void {
  if (options.only?.length && options.except?.length) throw new OptionsError("--only and --except cannot be used together");
  const names = new Set(servers.map((server) => server.name));
  for (const name of [...(options.only ?? []), ...(options.except ?? [])]) {
    if (!names.has(name)) throw new OptionsError(`no server named "${name}" in mcpServers (it has: ${[...names].join(", ") || "none"})`);
  }
}

export function planSetup(servers: ServerEntry[], options: PlanOptions): ServerPlan[] {
  checkNames(servers, options);
  return servers.map((server) => planServer(server, options));
}

function planServer(server: ServerEntry, options: PlanOptions): ServerPlan {
  const plan: ServerPlan = { name: server.name, status: "already", changes: [], conflicts: [], createsEnv: false };
  const excluded = (options.only?.length && !options.only.includes(server.name)) || options.except?.includes(server.name);
  if (excluded) return { ...plan, status: "excluded" };
  if (server.kind === "remote") return { ...plan, status: "remote" };
  if (server.kind === "disabled") return { ...plan, status: "disabled" };
  if (server.kind === "other") return { ...plan, status: "no-command" };
  const env = server.env ?? {};
  plan.createsEnv = server.env === undefined;
  for (const key of SETUP_KEYS) {
    const value = wantedValue(key, env, options.url);
    if (!(key in env)) {
      plan.changes.push({ key, action: "add", value });
      continue;
    }
    const current = env[key];
    if (alreadyWanted(key, current, value)) continue;
    // A NO_PROXY list is merged, never overwritten: the user's entries stay in it.
    const merge = (NO_PROXY_KEYS as readonly string[]).includes(key) && typeof current === "string";
    if (merge || options.force) plan.changes.push({ key, action: "replace", value, previous: current });
    else plan.conflicts.push(key);
  }
  if (plan.changes.length > 0) plan.status = "changed";
  else if (plan.conflicts.length > 0) plan.status = "conflict";
  return plan;
}

/** The one-line summary: `3 servers set up, 1 skipped (remote), 1 already set up`. */
export function summary(plans: ServerPlan[], verb = "set up"): string {
  const count = (status: ServerStatus) => plans.filter((plan) => plan.status === status).length;
  const servers = (n: number) => `${n} server${n === 1 ? "" : "s"}`;
  const parts = [`${servers(count("changed"))} ${verb}`];
  for (const [status, label] of [
    ["remote", "skipped (remote)"],
    ["disabled", "skipped (disabled)"],
    ["no-command", "skipped (no command)"],
    ["excluded", "skipped (--only/--except)"],
    ["already", "already set up"],
  ] as const) {
    if (count(status) > 0) parts.push(`${count(status)} ${label}`);
  }
  const conflicts = plans.filter((plan) => plan.conflicts.length > 0).length;
  if (conflicts > 0) parts.push(`${servers(conflicts)} with proxy values left alone (--force replaces them)`);
  return parts.join(", ");
}
