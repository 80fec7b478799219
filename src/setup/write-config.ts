/**
 * Writes a user's file the safe way: a timestamped backup of the original beside it, the new
 * text in a temporary file in the same folder (same mode and owner as the original), then one
 * rename over it. A failure at any step removes what this run created and leaves the original
 * as it was.
 *
 *   check writable ─▶ backup (copy, O_EXCL) ─▶ temp files (config, record) ─▶ rename config ─▶ rename record
 */
import { accessSync, chmodSync, chownSync, closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ConfigError } from "../errors.ts";
import type { ConfigFile } from "./claude-config.ts";

/** `claude_desktop_config.json.backup-20261203-143015` (UTC), `-2`, `-3`… if taken. */
export function backupName(path: string, now: Date, attempt = 1): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${path}.backup-${stamp}${attempt > 1 ? `-${attempt}` : ""}`;
}

/** Refuses before anything is written: a read-only file stays read-only, even for root. */
export function checkWritable(file: ConfigFile): void {
  const folder = dirname(file.path);
  if ((file.mode & 0o222) === 0) {
    throw new ConfigError(`${file.path} is read-only (mode ${file.mode.toString(8).padStart(4, "0")}); make it writable first: chmod u+w "${file.path}"`);
  }
  try {
    accessSync(file.path, constants.W_OK);
  } catch {
    throw new ConfigError(`cannot write ${file.path}: permission denied`);
  }
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new ConfigError(`cannot write in ${folder}: permission denied (setup writes a backup and a temporary file beside the config)`);
  }
}

function writeNew(path: string, text: string, mode: number, owner?: { uid: number; gid: number }): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // open()'s mode is filtered by the umask; chmod sets exactly the original's bits.
    chmodSync(path, mode);
    if (owner && process.getuid?.() === 0) chownSync(path, owner.uid, owner.gid);
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOSPC") return "no space left on the device";
  return error instanceof Error ? error.message : String(error);
}

export interface SavedFiles {
  backup: string;
}

/**
 * Replaces `file` with `text` and `record` (path, contents; undefined deletes it) in one go.
 * Returns the backup's path.
 */
export function saveConfig(file: ConfigFile, text: string, record: { path: string; text: string | undefined }, now = new Date()): SavedFiles {
  checkWritable(file);
  const folder = dirname(file.path);
  const created: string[] = [];
  let backup = "";
  try {
    for (let attempt = 1; !backup; attempt++) {
      const candidate = backupName(file.path, now, attempt);
      try {
        writeNew(candidate, file.text, file.mode, file);
        backup = candidate;
      } catch (error) {
        if ((error as { code?: string }).code !== "EEXIST" || attempt >= 100) throw error;
      }
    }
    created.push(backup);
    const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`;
    const configTemp = join(folder, `.${basename(file.path)}.${suffix}`);
    writeNew(configTemp, text, file.mode, file);
    created.push(configTemp);
    let recordTemp: string | undefined;
    if (record.text !== undefined) {
      recordTemp = join(folder, `.${basename(record.path)}.${suffix}`);
      writeNew(recordTemp, record.text, 0o600, file);
      created.push(recordTemp);
    }
    renameSync(configTemp, file.path);
    try {
      if (recordTemp) renameSync(recordTemp, record.path);
      else rmSync(record.path, { force: true });
    } catch (error) {
      if (recordTemp) rmSync(recordTemp, { force: true });
      throw new ConfigError(`${file.path} was written (backup: ${backup}), but the undo record ${record.path} was not: ${reason(error)}`);
    }
    return { backup };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    for (const path of created) rmSync(path, { force: true });
    throw new ConfigError(`cannot write ${file.path}: ${reason(error)}; nothing was changed`);
  }
}
