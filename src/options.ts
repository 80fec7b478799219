/**
 * ProxyOptions (what a caller may say) → resolveOptions() → ResolvedOptions (what the code
 * uses, no optional fields). Defaults, and the security defaults above all, live here only.
 */
import { OptionsError } from "./errors.ts";
import { createLogger, type Logger } from "./log.ts";

export interface ProxyOptions {
  /** TCP port of the one public listener; 0 picks a free one. @default 28080 */
  port?: number;
  /** Address to bind. Anything but loopback exposes the proxy to the network. @default "127.0.0.1" */
  host?: string;
  /** The stdio MCP server to bridge, as an argv array (never run through a shell). @default undefined (bridge off) */
  sse?: string[];
  /** How long an upstream TCP connect may take before the client gets 504. @default 30_000 */
  connectTimeoutMs?: number;
  /** How long a client may take to send its request head before the connection is closed. @default 10_000 */
  headerTimeoutMs?: number;
  /** Where log lines go. @default a consola logger on stderr at info level */
  logger?: Logger;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  sse: string[] | undefined;
  connectTimeoutMs: number;
  headerTimeoutMs: number;
  logger: Logger;
}

/** Longest request line the front accepts (RFC 9112 §3 recommends at least 8000 octets). */
export const MAX_REQUEST_LINE = 16 * 1024;
/** Longest request head the front buffers while it decides where a connection goes. */
export const MAX_REQUEST_HEAD = 64 * 1024;

export const DEFAULT_PORT = 28080;
export const DEFAULT_HOST = "127.0.0.1";

export function resolveOptions(options: ProxyOptions = {}): ResolvedOptions {
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OptionsError(`port must be a whole number from 0 to 65535, not ${port}`);
  }
  const host = options.host ?? DEFAULT_HOST;
  if (!host) throw new OptionsError("host must not be empty");
  if (options.sse && options.sse.length === 0) throw new OptionsError("--sse needs a command to run");
  return {
    port,
    host,
    sse: options.sse,
    connectTimeoutMs: positiveMs("connect timeout", options.connectTimeoutMs ?? 30_000),
    headerTimeoutMs: positiveMs("header timeout", options.headerTimeoutMs ?? 10_000),
    logger: options.logger ?? createLogger("info"),
  };
}

function positiveMs(name: string, ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new OptionsError(`${name} must be a positive number of seconds`);
  return ms;
}

/** The one place a port string from the command line becomes a number. */
export function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new OptionsError(`invalid port "${printable(text)}": expected a number from 0 to 65535`);
  const port = Number(text);
  if (port > 65535) throw new OptionsError(`invalid port ${port}: expected a number from 0 to 65535`);
  return port;
}

/** Seconds as typed on the command line (`30`, `0.5`) → milliseconds. */
export function parseSeconds(flag: string, text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0)) {
    throw new OptionsError(`invalid ${flag} "${printable(text)}": expected a positive number of seconds`);
  }
  return seconds * 1000;
}

/** User input shown in an error, with control characters escaped and its length capped. */
export function printable(text: string, max = 64): string {
  const safe = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text).slice(1, -1);
  return safe;
}
