/**
 * Where the token comes from, in this order: the MCP_PROXY_TOKEN environment variable, the
 * file named by --token-file, the default file `$XDG_CONFIG_HOME/mcp-proxy/token` (or
 * `~/.config/mcp-proxy/token`), which is created on first use.
 *
 *   env set ──▶ it │ --token-file / default ──exists──▶ its first line
 *                                         └─missing─▶ 256 random bits, base64url, folder 0700, file 0600
 *
 * The environment is a parameter: only the CLI reads process.env.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { OptionsError } from "../errors.ts";

export const TOKEN_ENV = "MCP_PROXY_TOKEN";

/** The variables read: MCP_PROXY_TOKEN, XDG_CONFIG_HOME, HOME. */
export type TokenEnv = Record<string, string | undefined>;

export interface LoadedToken {
  token: string;
  /** `MCP_PROXY_TOKEN`, or the file's path: what the banner shows (never the token). */
  source: string;
  /** The file was created just now. */
  created: boolean;
}

export function defaultTokenPath(env: TokenEnv): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(config, "mcp-proxy", "token");
}

/** The token by the order above; a file is created only when no token exists anywhere. */
export function loadToken(env: TokenEnv, tokenFile: string | undefined): LoadedToken {
  const fromEnv = env.MCP_PROXY_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: TOKEN_ENV, created: false };
  const path = tokenFile ?? defaultTokenPath(env);
  const existing = readToken(path);
  if (existing !== undefined) return { token: existing, source: path, created: false };
  return { token: createToken(path), source: path, created: true };
}

function readToken(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw new OptionsError(`cannot read the token file ${path}: ${(error as Error).message}`);
  }
  const token = text.split("\n")[0]!.trim();
  if (!token) throw new OptionsError(`the token file ${path} is empty: delete it to have a new token made, or write one in it`);
  return token;
}

/**
 * Writes a new token to `path`, never over an existing file: the token goes to a private
 * temporary file opened with O_EXCL, which is then hard-linked to `path`; link(2) fails if
 * `path` exists, so two first starts at once keep one token, and nobody reads a half-written one.
 */
function createToken(path: string): string {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new OptionsError(`cannot create the folder ${dir} for the token: ${(error as Error).message}`);
  }
  const token = randomBytes(32).toString("base64url");
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(temporary, `${token}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(temporary, 0o600); // whatever the umask left
    linkSync(temporary, path);
    return token;
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") {
      const raced = readToken(path);
      if (raced !== undefined) return raced;
    }
    throw new OptionsError(`cannot create the token file ${path}: ${(error as Error).message}`);
  } finally {
    try {
      unlinkSync(temporary);
    } catch {}
  }
}
