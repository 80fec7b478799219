/**
 * The undo record: what setup did, so `--undo` takes back exactly that. It sits beside the
 * config as `<config>.mcp-proxy-setup.json` (mode 0600) and holds, per server and key, whether
 * setup added the key or replaced a value, and the value it replaced. Only setup's own keys are
 * in it, never another `env` value. Pure: parsing, merging and the undo plan; the file I/O is
 * in write-config.ts.
 *
 *   record + the servers as they are now ─▶ planUndo ─▶ remove | restore | kept (edited since) | gone
 */
import { ConfigError } from "../errors.ts";
import type { ServerEntry } from "./claude-config.ts";
import type { ServerPlan } from "./plan.ts";

export interface RecordedKey {
  /** true: setup added the key; false: it replaced `previous`. */
  added: boolean;
  /** What setup wrote. Undo touches the key only while it still holds this. */
  value: string;
  previous?: unknown;
}

export interface SetupRecord {
  version: 1;
  servers: Record<string, { createdEnv: boolean; keys: Record<string, RecordedKey> }>;
}

export function recordPath(configPath: string): string {
  return `${configPath}.mcp-proxy-setup.json`;
}

export function parseRecord(path: string, text: string): SetupRecord {
  let record: SetupRecord;
  try {
    record = JSON.parse(text);
  } catch {
    throw new ConfigError(`${path}: the undo record is not valid JSON; restore the config from a backup beside it`);
  }
  if (record?.version !== 1 || typeof record.servers !== "object" || record.servers === null) {
    throw new ConfigError(`${path}: not an undo record this version of mcp-proxy understands`);
  }
  return record;
}

/**
 * The record after this run: a key setup already recorded keeps its first `added`/`previous`
 * (the state before setup ever touched it) and takes the new value.
 */
export function mergeRecord(old: SetupRecord | undefined, plans: ServerPlan[]): SetupRecord {
  const servers: SetupRecord["servers"] = structuredClone(old?.servers ?? {});
  for (const plan of plans) {
    if (plan.changes.length === 0) continue;
    const entry = (servers[plan.name] ??= { createdEnv: plan.createsEnv, keys: {} });
    for (const change of plan.changes) {
      const before = entry.keys[change.key];
      if (before) before.value = change.value;
      else entry.keys[change.key] = change.action === "add" ? { added: true, value: change.value } : { added: false, value: change.value, previous: change.previous };
    }
  }
  return { version: 1, servers };
}

export interface UndoStep {
  key: string;
  /** remove: setup added it; restore: put `previous` back; kept: edited since setup; gone: already absent. */
  action: "remove" | "restore" | "kept" | "gone";
  previous?: unknown;
}

export interface UndoPlan {
  name: string;
  steps: UndoStep[];
  /** Setup created the `env` object and nothing else is left in it: remove it whole. */
  removesEnv: boolean;
  /** The server is no longer in the config. */
  missing: boolean;
}

export function planUndo(record: SetupRecord, servers: ServerEntry[]): UndoPlan[] {
  return Object.entries(record.servers).map(([name, entry]) => {
    const server = servers.find((candidate) => candidate.name === name);
    if (!server) return { name, steps: [], removesEnv: false, missing: true };
    const env = server.env ?? {};
    const steps: UndoStep[] = Object.entries(entry.keys).map(([key, recorded]) => {
      if (!(key in env)) return { key, action: "gone" };
      if (env[key] !== recorded.value) return { key, action: "kept" };
      return recorded.added ? { key, action: "remove" } : { key, action: "restore", previous: recorded.previous };
    });
    const removed = new Set(steps.filter((step) => step.action === "remove").map((step) => step.key));
    const removesEnv = entry.createdEnv && server.env !== undefined && Object.keys(env).every((key) => removed.has(key));
    return { name, steps, removesEnv, missing: false };
  });
}
