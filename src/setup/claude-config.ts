/**
 * Claude Desktop's config file: where it is, and what its `mcpServers` hold. Parsing is pure
 * and strict (Claude Desktop reads the file with JSON.parse, so a comment or a trailing comma is
 * an error here too); every complaint is `PATH:LINE:COLUMN: what is wrong`.
 *
 *   path ─▶ readConfigFile (bytes, mode) ─▶ parseConfig ─▶ { tree, servers: local | remote | disabled | other }
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import { ConfigError } from "../errors.ts";

export interface ConfigLocation {
  /** `process.platform`. @default process.platform (read by the command, not here) */
  platform: string;
  /** The user's home folder. */
  home: string;
  /** `$XDG_CONFIG_HOME`, honoured on Linux when it is an absolute path. @default undefined (~/.config) */
  xdgConfigHome?: string;
  /** `%APPDATA%` on Windows. @default undefined (~\AppData\Roaming) */
  appData?: string;
}

/** Where Claude Desktop keeps `claude_desktop_config.json` on this OS. */
export function defaultConfigPath(where: ConfigLocation): string {
  const file = "claude_desktop_config.json";
  if (where.platform === "darwin") return join(where.home, "Library", "Application Support", "Claude", file);
  if (where.platform === "win32") return join(where.appData || join(where.home, "AppData", "Roaming"), "Claude", file);
  const xdg = where.xdgConfigHome?.startsWith("/") ? where.xdgConfigHome : join(where.home, ".config");
  return join(xdg, "Claude", file);
}

export interface ConfigFile {
  path: string;
  text: string;
  /** Permission bits (`stat.mode & 0o7777`), given back to the file that replaces it. */
  mode: number;
  uid: number;
  gid: number;
}

/**
 * Reads the file, or throws a ConfigError that names the path and what to do. A symlink (a
 * dotfiles checkout) is followed, so the file it points at is the one edited and the link stays.
 */
export function readConfigFile(given: string): ConfigFile {
  let path = given;
  try {
    path = realpathSync(given);
    const stat = statSync(path);
    if (!stat.isFile()) throw new ConfigError(`${path} is not a file`);
    return { path, text: readFileSync(path, "utf8"), mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") throw new ConfigError(`no config file at ${given} (is Claude Desktop installed? --config PATH names another file)`);
    if (code === "EACCES") throw new ConfigError(`cannot read ${path}: permission denied`);
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Entries that name a remote server by one of these `type`s are not started by Claude Desktop. */
const remoteTypes = new Set(["http", "sse", "streamable-http", "streamableHttp", "streamable_http"]);

export type ServerKind = "local" | "remote" | "disabled" | "other";

export interface ServerEntry {
  name: string;
  /** local: has a `command`; remote: a `url` or an HTTP `type`; disabled: `disabled: true` or `enabled: false`; other: none of these. */
  kind: ServerKind;
  /** The `command`, for local servers. */
  command?: string;
  /** The `env` object as parsed, or undefined when the entry has none. Values are never printed. */
  env?: Record<string, unknown>;
}

export interface ParsedConfig {
  path: string;
  text: string;
  tree: Node;
  servers: ServerEntry[];
}

/** 1-based line and column of a character offset, as editors count them. */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return `${line}:${column}`;
}

/** jsonc-parser's error names (its ParseErrorCode is a const enum, out of reach here) in words. */
const parseErrorText: Record<string, string> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "invalid number",
  PropertyNameExpected: "expected a property name in double quotes (a trailing comma?)",
  ValueExpected: "expected a value",
  ColonExpected: "expected a colon",
  CommaExpected: "expected a comma",
  CloseBraceExpected: "expected }",
  CloseBracketExpected: "expected ]",
  EndOfFileExpected: "unexpected text after the end",
  InvalidCommentToken: "comments are not allowed in JSON",
  UnexpectedEndOfComment: "comments are not allowed in JSON",
  UnexpectedEndOfString: "unterminated string",
  UnexpectedEndOfNumber: "unterminated number",
  InvalidUnicode: "invalid \\u escape",
  InvalidEscapeCharacter: "invalid escape character",
  InvalidCharacter: "control character in a string",
};

function fail(path: string, text: string, offset: number, what: string): never {
  throw new ConfigError(`${path}:${lineColumn(text, offset)}: ${what}`);
}

function kindName(node: Node): string {
  return node.type === "null" ? "null" : node.type === "array" ? "an array" : `a ${node.type}`;
}

/** Strict JSON → the tree (kept for format-preserving edits) and the servers, or a ConfigError. */
export function parseConfig(path: string, text: string): ParsedConfig {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first) fail(path, text, first.offset, `invalid JSON: ${parseErrorText[printParseErrorCode(first.error)] ?? "syntax error"}`);
  if (!tree) fail(path, text, 0, "invalid JSON: the file is empty");
  if (tree.type !== "object") fail(path, text, tree.offset, `expected a JSON object at the top, found ${kindName(tree)}`);
  const servers = findNodeAtLocation(tree, ["mcpServers"]);
  if (!servers) fail(path, text, tree.offset, `no "mcpServers" object (Claude Desktop's servers live there)`);
  if (servers.type !== "object") fail(path, text, servers.offset, `"mcpServers" must be an object, found ${kindName(servers)}`);
  return { path, text, tree, servers: (servers.children ?? []).map((property) => serverEntry(path, text, property)) };
}

function serverEntry(path: string, text: string, property: Node): ServerEntry {
  const [key, value] = property.children as [Node, Node];
  const name = key.value as string;
  if (value.type !== "object") fail(path, text, value.offset, `mcpServers.${name} must be an object, found ${kindName(value)}`);
  const field = (field: string) => findNodeAtLocation(value, [field]);
  const envNode = field("env");
  if (envNode && envNode.type !== "object") fail(path, text, envNode.offset, `mcpServers.${name}.env must be an object, found ${kindName(envNode)}`);
  const commandNode = field("command");
  if (commandNode && commandNode.type !== "string") fail(path, text, commandNode.offset, `mcpServers.${name}.command must be a string, found ${kindName(commandNode)}`);
  const env = envNode ? (getNodeValue(envNode) as Record<string, unknown>) : undefined;
  const command = commandNode?.value as string | undefined;
  const disabled = field("disabled")?.value === true || field("enabled")?.value === false;
  const type = field("type")?.value;
  const remote = field("url") !== undefined || (typeof type === "string" && remoteTypes.has(type));
  const kind: ServerKind = disabled ? "disabled" : remote ? "remote" : command !== undefined ? "local" : "other";
  return { name, kind, command, env };
}
