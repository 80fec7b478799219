/**
 * A Claude-style config file's text → the servers to bridge. Pure: no file access, no env.
 *
 *   {"mcpServers": {"<name>": {command, args, env, cwd, disabled, maxSessions}}}
 *     local entry (command)                 ─▶ servers[]  (bridged at /servers/<name>/…)
 *     `disabled: true`, or remote (`url`, or `type` http / sse / streamable-http)
 *                                            ─▶ skipped[] with the reason
 *     bad name, bad field, not JSON          ─▶ ConfigError naming the entry and what is wrong
 *
 * `env` values are secrets (API keys): no message built here ever contains one.
 */
import { isAbsolute, resolve } from "node:path";

export interface ServerDefinition {
  name: string;
  /** `command` then `args`, never run through a shell. */
  argv: string[];
  /** Set on top of mcp-proxy's own environment. */
  env: Record<string, string>;
  /** Working folder, absolute (a relative `cwd` is taken from the config file's folder). */
  cwd: string | undefined;
  /** This server's own cap on sessions; the global --max-sessions applies as well. */
  maxSessions: number | undefined;
}

export interface SkippedServer {
  name: string;
  reason: string;
}

export interface ServersConfig {
  servers: ServerDefinition[];
  skipped: SkippedServer[];
}

/** The file cannot be used as a whole; `message` says where and why. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Letters, digits, `.`, `_`, `-`: a name is one URL path segment that needs no escaping. */
export const SERVER_NAME = /^[A-Za-z0-9._-]+$/;
const NAME_MAX = 64;
const REMOTE_TYPES = new Set(["http", "sse", "streamable-http", "streamablehttp"]);

/** `baseDir` is the config file's folder, against which a relative `cwd` is resolved. */
export function parseServersConfig(text: string, baseDir: string): ServersConfig {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(root)) throw new ConfigError(`expected a JSON object with "mcpServers"`);
  const entries = root.mcpServers;
  if (entries === undefined) throw new ConfigError(`no "mcpServers" object (the Claude Desktop shape: {"mcpServers": {"name": {"command": …}}})`);
  if (!isPlainObject(entries)) throw new ConfigError(`"mcpServers" must be an object of named servers`);

  const servers: ServerDefinition[] = [];
  const skipped: SkippedServer[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    checkName(name);
    if (!isPlainObject(entry)) throw new ConfigError(`server "${name}": expected an object with "command"`);
    const why = skipReason(entry);
    if (why) skipped.push({ name, reason: why });
    else servers.push(toDefinition(name, entry, baseDir));
  }
  return { servers, skipped };
}

/** Why a name cannot be used, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "a name must not be empty";
  if (name.length > NAME_MAX) return `a name may be at most ${NAME_MAX} characters long`;
  if (!SERVER_NAME.test(name)) return "a name may hold only letters, digits, '.', '_' and '-' (it becomes part of a URL)";
  // URL parsers fold these path segments away: /servers/../mcp would be /mcp.
  if (name === "." || name === "..") return `"." and ".." are not names a URL can carry`;
  return undefined;
}

function checkName(name: string): void {
  const problem = nameProblem(name);
  if (problem) throw new ConfigError(`server name ${JSON.stringify(name.length > NAME_MAX ? `${name.slice(0, NAME_MAX)}…` : name)} is refused: ${problem}`);
}

function skipReason(entry: Record<string, unknown>): string | undefined {
  if (entry.disabled === true) return "disabled";
  const type = typeof entry.type === "string" ? entry.type.toLowerCase() : undefined;
  if (entry.url !== undefined || (type !== undefined && REMOTE_TYPES.has(type))) {
    return "a remote server (url): clients can reach it directly, there is nothing to bridge";
  }
  return undefined;
}

function toDefinition(name: string, entry: Record<string, unknown>, baseDir: string): ServerDefinition {
  const where = `server "${name}"`;
  if (entry.type !== undefined && entry.type !== "stdio") throw new ConfigError(`${where}: unknown "type" ${JSON.stringify(String(entry.type))} (stdio, http or sse)`);
  if (entry.disabled !== undefined && typeof entry.disabled !== "boolean") throw new ConfigError(`${where}: "disabled" must be true or false`);
  const command = entry.command;
  if (typeof command !== "string" || command.trim() === "") throw new ConfigError(`${where}: "command" must be a non-empty string`);
  const args = entry.args ?? [];
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string")) throw new ConfigError(`${where}: "args" must be an array of strings`);
  const env = entry.env ?? {};
  if (!isPlainObject(env)) throw new ConfigError(`${where}: "env" must be an object of strings`);
  for (const [key, value] of Object.entries(env)) {
    // The key is named, the value never is: it is often an API key.
    if (typeof value !== "string") throw new ConfigError(`${where}: "env" value of ${JSON.stringify(key)} must be a string`);
  }
  const cwd = entry.cwd;
  if (cwd !== undefined && (typeof cwd !== "string" || cwd === "")) throw new ConfigError(`${where}: "cwd" must be a non-empty string`);
  const max = entry.maxSessions;
  if (max !== undefined && !(Number.isSafeInteger(max) && (max as number) > 0)) throw new ConfigError(`${where}: "maxSessions" must be a positive whole number`);
  return {
    name,
    argv: [command, ...(args as string[])],
    env: env as Record<string, string>,
    cwd: cwd === undefined ? undefined : isAbsolute(cwd) ? cwd : resolve(baseDir, cwd),
    maxSessions: max as number | undefined,
  };
}

/** True when two definitions start the same child the same way (a reload leaves it alone). */
export function sameDefinition(a: ServerDefinition, b: ServerDefinition): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
