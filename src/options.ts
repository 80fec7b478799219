/**
 * ProxyOptions (what a caller may say) → resolveOptions() → ResolvedOptions (what the code
 * uses, no optional fields). Defaults, and the security defaults above all, live here only.
 */
import { OptionsError } from "./errors.ts";
import { defaultMaxConnections, fdLimit } from "./fd-limit.ts";
import { createLogger, type Logger } from "./log.ts";
import { resolveAuth, type AuthInput, type ResolvedAuth } from "./security/auth-options.ts";

/** Everything a caller may say; who may use the port (AuthInput) is documented in security/auth-options.ts. */
export interface ProxyOptions extends AuthInput {
  /** TCP port of the one public listener; 0 picks a free one. @default 28080 */
  port?: number;
  /** Address to bind. Anything but loopback exposes the proxy to the network. @default "127.0.0.1" */
  host?: string;
  /** The stdio MCP server to bridge, as an argv array (never run through a shell). @default undefined (bridge off) */
  sse?: string[];
  /**
   * A Claude-style config file (`{"mcpServers": {…}}`) whose local servers are bridged at
   * /servers/<name>/mcp and /servers/<name>/sse; it is watched and reloaded on change.
   * @default undefined (no named servers)
   */
  config?: string;
  /** How long a new session's server may take to answer initialize before the session ends with an error. @default 60_000 */
  initTimeoutMs?: number;
  /** How long an upstream TCP connect may take before the client gets 504. @default 30_000 */
  connectTimeoutMs?: number;
  /** How long a client may take to send a request head (every one, on every route) before the connection is closed. @default 10_000 */
  headerTimeoutMs?: number;
  /**
   * How long a kept-alive client connection may sit with no request in flight and no open
   * stream before it is closed (forwarding and the bridge alike). @default 60_000
   */
  idleTimeoutMs?: number;
  /**
   * Most client connections at once; past it new ones are closed at once.
   * @default from the process's file-descriptor limit: (limit − 128 − 4 × maxSessions) / 3
   */
  maxConnections?: number;
  /** How long a forwarded request waits for the response head (not the body) before 504. @default 120_000 */
  responseTimeoutMs?: number;
  /** Keep upstream connections of plain-HTTP forwarding for reuse (the benchmark turns it off to compare). @default true */
  reuseUpstream?: boolean;
  /**
   * How long the event loop keeps polling instead of sleeping after a socket read, so that the
   * reply it waits for is not delayed by a thread wake-up (see net/busy-poll.ts); 0 turns it off.
   * @default 200 µs (0.2)
   */
  busyPollMs?: number;
  /** Answer /mcp POSTs with one application/json body instead of an event stream. @default false */
  jsonResponse?: boolean;
  /** A /mcp session with no open stream and no request for this long has its child stopped. @default 1_800_000 (30 min) */
  sessionIdleMs?: number;
  /** How often an idle SSE stream (/sse and every /mcp stream) gets a `: ping` comment. @default 15_000 */
  keepaliveMs?: number;
  /** How long a child's process group has after SIGTERM before SIGKILL. @default 5_000 */
  killTimeoutMs?: number;
  /** Largest POST /messages or /mcp body accepted; larger gets 413. @default 4 MiB (4_194_304) */
  maxBodyBytes?: number;
  /** Most bridge sessions (children) at once; more get 503. @default 64 */
  maxSessions?: number;
  /**
   * Bytes of client messages queued per session for a child's stdin. A POST is answered once
   * its message is queued; past this it waits for the child to read. At least maxBodyBytes, so
   * one full message always fits. @default 8 MiB, or maxBodyBytes if that is larger
   */
  stdinBufferBytes?: number;
  /**
   * How long a child may read nothing of its stdin while messages wait for it before its
   * session ends (logged as an error; waiting POSTs get 503, open requests a JSON-RPC error).
   * @default 30_000
   */
  stdinStallMs?: number;
  /** Host header values accepted besides loopback on our port: `name` or `name:port`. @default [] */
  allowHosts?: string[];
  /** Origins accepted besides loopback ones; `"*"` allows any and must be given explicitly. @default [] */
  allowOrigins?: string[];
  /** Environment of each bridge child. @default process.env (children inherit ours, see mcp/child.ts) */
  childEnv?: Record<string, string | undefined>;
  /** Where log lines go. @default a consola logger on stderr at info level */
  logger?: Logger;
  /**
   * Keep the status page's bookkeeping of tunnels and forwarded requests (an internal switch:
   * the benchmark turns it off to show what it costs). @default true
   */
  bookkeeping?: boolean;
}

export interface ResolvedOptions extends ResolvedAuth {
  port: number;
  host: string;
  sse: string[] | undefined;
  config: string | undefined;
  initTimeoutMs: number;
  connectTimeoutMs: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
  responseTimeoutMs: number;
  reuseUpstream: boolean;
  busyPollMs: number;
  jsonResponse: boolean;
  sessionIdleMs: number;
  keepaliveMs: number;
  killTimeoutMs: number;
  maxBodyBytes: number;
  maxSessions: number;
  stdinBufferBytes: number;
  stdinStallMs: number;
  allowHosts: string[];
  allowOrigins: string[];
  childEnv: Record<string, string | undefined>;
  logger: Logger;
  bookkeeping: boolean;
}

/** Longest request line the front accepts (RFC 9112 §3 recommends at least 8000 octets). */
export const MAX_REQUEST_LINE = 16 * 1024;
/** Longest request head the front buffers while it decides where a connection goes. */
export const MAX_REQUEST_HEAD = 64 * 1024;

export const DEFAULT_PORT = 28080;
export const DEFAULT_HOST = "127.0.0.1";
/** The MCP SDK's own POST body cap for the SSE transport. */
export const DEFAULT_MAX_BODY = 4 * 1024 * 1024;
/** Two default-size messages queued per session before a client waits for the child to read. */
export const DEFAULT_STDIN_BUFFER = 8 * 1024 * 1024;
export const DEFAULT_BUSY_POLL_MS = 0.2;
/** Past this a busy-poll window stops saving wake-ups and only burns CPU. */
export const MAX_BUSY_POLL_MS = 10;
export function resolveOptions(options: ProxyOptions = {}): ResolvedOptions {
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OptionsError(`port must be a whole number from 0 to 65535, not ${port}`);
  }
  const host = options.host ?? DEFAULT_HOST;
  if (!host) throw new OptionsError("host must not be empty");
  if (options.sse && options.sse.length === 0) throw new OptionsError("--sse needs a command to run");
  const security = resolveAuth(options, host, port);
  if (options.config !== undefined && options.config.trim() === "") throw new OptionsError("--config needs a file name");
  const maxBodyBytes = positiveInt("--max-body", options.maxBodyBytes ?? DEFAULT_MAX_BODY);
  const stdinBufferBytes = positiveInt("stdin buffer", options.stdinBufferBytes ?? Math.max(DEFAULT_STDIN_BUFFER, maxBodyBytes));
  if (stdinBufferBytes < maxBodyBytes) {
    throw new OptionsError(`the stdin buffer (${stdinBufferBytes} bytes) must hold at least one --max-body message (${maxBodyBytes} bytes)`);
  }
  const maxSessions = positiveInt("--max-sessions", options.maxSessions ?? 64);
  return {
    port,
    host,
    sse: options.sse,
    config: options.config,
    initTimeoutMs: positiveMs("init timeout", options.initTimeoutMs ?? 60_000),
    connectTimeoutMs: positiveMs("connect timeout", options.connectTimeoutMs ?? 30_000),
    headerTimeoutMs: positiveMs("header timeout", options.headerTimeoutMs ?? 10_000),
    idleTimeoutMs: positiveMs("idle timeout", options.idleTimeoutMs ?? 60_000),
    maxConnections: positiveInt("--max-connections", options.maxConnections ?? defaultMaxConnections(fdLimit(), maxSessions)),
    responseTimeoutMs: positiveMs("response timeout", options.responseTimeoutMs ?? 120_000),
    reuseUpstream: options.reuseUpstream ?? true,
    busyPollMs: busyPollWindow(options.busyPollMs ?? DEFAULT_BUSY_POLL_MS),
    jsonResponse: options.jsonResponse ?? false,
    sessionIdleMs: positiveMs("session idle timeout", options.sessionIdleMs ?? 1_800_000),
    keepaliveMs: positiveMs("keepalive", options.keepaliveMs ?? 15_000),
    killTimeoutMs: positiveMs("kill timeout", options.killTimeoutMs ?? 5_000),
    maxBodyBytes,
    maxSessions,
    stdinBufferBytes,
    stdinStallMs: positiveMs("stdin stall limit", options.stdinStallMs ?? 30_000),
    allowHosts: (options.allowHosts ?? []).map((host) => host.trim().toLowerCase()).filter(Boolean),
    allowOrigins: (options.allowOrigins ?? []).map((origin) => origin.trim().replace(/\/+$/, "")).filter(Boolean),
    // The one read of process.env below the CLI: Bun.spawn's own default is the environment
    // the process started with, which misses later changes made by an embedder.
    childEnv: options.childEnv ?? process.env,
    ...security,
    logger: options.logger ?? createLogger("info"),
    bookkeeping: options.bookkeeping ?? true,
  };
}

function positiveMs(name: string, ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new OptionsError(`${name} must be a positive number of seconds`);
  return ms;
}

function busyPollWindow(ms: number): number {
  if (!(ms >= 0 && ms <= MAX_BUSY_POLL_MS)) throw new OptionsError(`busy-poll window must be 0 to ${MAX_BUSY_POLL_MS * 1000} microseconds`);
  return ms;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new OptionsError(`${name} must be a positive whole number, not ${value}`);
  return value;
}
