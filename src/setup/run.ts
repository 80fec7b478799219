/**
 * `mcp-proxy setup` and `--undo` as functions: read the config, plan, edit the text, save it
 * with a backup and the undo record. The command only converts flags and prints the result.
 *
 *   read ─▶ parse ─▶ planSetup | planUndo ─▶ editJson ─▶ (dry run: stop) ─▶ saveConfig + record
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import { parseConfig, readConfigFile } from "./claude-config.ts";
import { editJson, type JsonEdit } from "./json-edit.ts";
import { planSetup, type ServerPlan } from "./plan.ts";
import { mergeRecord, parseRecord, planUndo, recordPath, type SetupRecord, type UndoPlan } from "./record.ts";
import { saveConfig } from "./write-config.ts";

export interface SetupOptions {
  /** The config file to edit. */
  configPath: string;
  /** The proxy URL to write. @default "http://127.0.0.1:28080" (resolved by the command) */
  url: string;
  /** Plan and report, write nothing. @default false */
  dryRun?: boolean;
  /** Replace proxy values that differ. @default false */
  force?: boolean;
  /** @default undefined (all servers) */
  only?: string[];
  /** @default undefined (none) */
  except?: string[];
  /** The backup's timestamp. @default new Date() */
  now?: Date;
}

interface Outcome {
  path: string;
  dryRun: boolean;
  /** Whether the file was (or, in a dry run, would be) changed. */
  changed: boolean;
  backup?: string;
  record: string;
}

export interface SetupResult extends Outcome {
  plans: ServerPlan[];
}

export interface UndoResult extends Outcome {
  plans: UndoPlan[];
}

function readRecord(path: string): SetupRecord | undefined {
  if (!existsSync(path)) return undefined;
  return parseRecord(path, readFileSync(path, "utf8"));
}

export function runSetup(options: SetupOptions): SetupResult {
  const file = readConfigFile(options.configPath);
  const config = parseConfig(file.path, file.text);
  const plans = planSetup(config.servers, options);
  const edits: JsonEdit[] = plans.flatMap((plan) => {
    const env = ["mcpServers", plan.name, "env"];
    if (plan.createsEnv && plan.changes.length > 0) return [{ path: env, value: Object.fromEntries(plan.changes.map((c) => [c.key, c.value])) }];
    return plan.changes.map((change): JsonEdit => ({ path: [...env, change.key], value: change.value }));
  });
  const record = recordPath(file.path);
  const outcome: SetupResult = { path: file.path, dryRun: options.dryRun === true, changed: edits.length > 0, record, plans };
  if (edits.length === 0 || options.dryRun) return outcome;
  const text = editJson(file.text, edits);
  const merged = mergeRecord(readRecord(record), plans);
  const { backup } = saveConfig(file, text, { path: record, text: `${JSON.stringify(merged, null, 2)}\n` }, options.now);
  return { ...outcome, backup };
}

export function runUndo(options: Pick<SetupOptions, "configPath" | "dryRun" | "now">): UndoResult {
  const file = readConfigFile(options.configPath);
  const config = parseConfig(file.path, file.text);
  const record = recordPath(file.path);
  const saved = readRecord(record);
  if (!saved) throw new ConfigError(`nothing to undo: no record of a setup at ${record}`);
  const plans = planUndo(saved, config.servers);
  const edits: JsonEdit[] = plans.flatMap((plan) => {
    const env = ["mcpServers", plan.name, "env"];
    if (plan.removesEnv) return [{ path: env, value: undefined }];
    return plan.steps.flatMap((step) => {
      if (step.action === "remove") return [{ path: [...env, step.key], value: undefined }];
      if (step.action === "restore") return [{ path: [...env, step.key], value: step.previous }];
      return [];
    });
  });
  const outcome: UndoResult = { path: file.path, dryRun: options.dryRun === true, changed: edits.length > 0, record, plans };
  if (options.dryRun) return outcome;
  // Everything setup did is taken back or now belongs to the user: the record goes either way.
  if (edits.length === 0) {
    rmSync(record, { force: true });
    return outcome;
  }
  const text = editJson(file.text, edits);
  const { backup } = saveConfig(file, text, { path: record, text: undefined }, options.now);
  return { ...outcome, backup };
}
