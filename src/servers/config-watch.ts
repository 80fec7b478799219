/**
 * The --config file on disk: read it once at start (a failure is an OptionsError: exit 2),
 * then watch it and hand every valid new version to `apply`.
 *
 *   fs.watch(file) ──┐                                  valid   ─▶ apply(config)
 *   fs.watch(folder) ┴─▶ debounce ─▶ read + parse ─▶ unchanged ─▶ nothing
 *                                                   invalid  ─▶ log an error, keep the last good set
 *
 * Both are watched: editors and `mv` replace a file by renaming another over it, which only
 * the folder reports (and leaves the file watcher on the old inode, so it is re-armed after
 * every read); an in-place write is reported for the file itself (kqueue on macOS reports
 * nothing else for it). Events come in bursts, hence the debounce.
 */
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { OptionsError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { ConfigError, parseServersConfig, type ServersConfig } from "./servers-config.ts";

/** Quiet time after the last change event before the file is read. */
export const RELOAD_DEBOUNCE_MS = 100;

export interface ConfigWatch {
  /** Stops watching; idempotent. */
  close(): void;
}

/** Reads and parses the file; ConfigError or a read error (ENOENT…) says what is wrong. */
export function readServersConfig(path: string): { config: ServersConfig; text: string } {
  const text = readFileSync(path, "utf8");
  return { config: parseServersConfig(text, dirname(resolve(path))), text };
}

/** The start-up read: any problem becomes an OptionsError naming the file. */
export function loadServersConfig(path: string): { config: ServersConfig; text: string } {
  try {
    return readServersConfig(path);
  } catch (error) {
    throw new OptionsError(`--config ${path}: ${describe(error)}`);
  }
}

/** Watches `path`; `lastText` is what was applied at start, so an unchanged save does nothing. */
export function watchServersConfig(path: string, lastText: string, apply: (config: ServersConfig) => void, log: Logger): ConfigWatch {
  const file = resolve(path);
  const name = basename(file);
  let fileWatcher: FSWatcher | undefined;
  let timer: Timer | undefined;
  let closed = false;

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(reload, RELOAD_DEBOUNCE_MS);
  };
  const armFile = () => {
    fileWatcher?.close();
    fileWatcher = undefined;
    try {
      fileWatcher = watch(file, schedule);
      fileWatcher.on("error", () => {});
    } catch {
      // Missing for now (a rename in progress, or deleted): the folder watcher sees it return.
    }
  };
  /** The last problem logged, with the text it was found in: one bad save raises several events, and it is told once. */
  let lastProblem: string | undefined;
  const report = (problem: string, text = "") => {
    if (`${problem}\0${text}` === lastProblem) return;
    lastProblem = `${problem}\0${text}`;
    log.error(`--config ${path}: ${problem}; keeping the last good set of servers`);
  };
  const reload = () => {
    if (closed) return;
    armFile();
    let text: string;
    let config: ServersConfig;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      return report(describe(error));
    }
    if (text === lastText) return void (lastProblem = undefined);
    try {
      config = parseServersConfig(text, dirname(file));
    } catch (error) {
      return report(describe(error), text);
    }
    lastText = text;
    lastProblem = undefined;
    apply(config);
  };

  const folderWatcher = watch(dirname(file), (_event, changed) => {
    // Some platforms do not name the file; then any change in the folder is worth a read.
    if (changed === null || changed === name) schedule();
  });
  folderWatcher.on("error", () => {});
  armFile();
  return {
    close: () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      folderWatcher.close();
      fileWatcher?.close();
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a folder, not a file";
  return error instanceof Error ? error.message : String(error);
}
