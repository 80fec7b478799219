/**
 * The flag schema (citty) and the one conversion from parsed flags to ProxyOptions.
 * `--sse` is special: everything after it is the child's argv, its own flags included,
 * so it is cut off before citty sees the rest (`--config FILE` therefore goes before `--sse`).
 */
import type { ArgsDef, ParsedArgs } from "citty";
import { OptionsError } from "./errors.ts";
import type { LogLevelName } from "./log.ts";
import { parseBytes, parseCount, parseMicroseconds, parsePort, parseSeconds } from "./cli-values.ts";
import type { ProxyOptions } from "./options.ts";
import { parseAuthMode } from "./security/auth-options.ts";
import { printable } from "./printable.ts";
import { isLoopbackHost } from "./security/address.ts";
import { loadToken, TOKEN_ENV, type LoadedToken, type TokenEnv } from "./security/token-file.ts";

export const args = {
  port: { type: "string", alias: "p", description: "Port to listen on (0 picks a free one)", default: "28080", valueHint: "PORT" },
  host: {
    type: "string",
    description: "Address to bind; on anything but loopback, other clients need the token (see --auth)",
    default: "127.0.0.1",
    valueHint: "ADDR",
  },
  sse: {
    type: "string",
    description: "Bridge this stdio MCP server to HTTP; everything after --sse is its command line",
    valueHint: "CMD ARGS…",
  },
  config: {
    type: "string",
    description: "Bridge every local server of this Claude-style config file at /servers/<name>/mcp and /servers/<name>/sse (watched; put it before --sse)",
    valueHint: "FILE",
  },
  "init-timeout": {
    type: "string",
    description: "Seconds a new session's MCP server may take to answer initialize before the client gets an error",
    default: "60",
    valueHint: "SECONDS",
  },
  "connect-timeout": { type: "string", description: "Seconds to wait for an upstream connection", default: "30", valueHint: "SECONDS" },
  "header-timeout": {
    type: "string",
    description: "Seconds a client has to send a complete request head (every request, every route) before it is closed",
    default: "10",
    valueHint: "SECONDS",
  },
  "idle-timeout": {
    type: "string",
    description: "Seconds a kept-alive client connection may sit with no request in flight and no open stream before it is closed",
    default: "60",
    valueHint: "SECONDS",
  },
  "max-connections": {
    type: "string",
    description: "Most client connections at once; more are closed at once (default: from the open-file limit)",
    valueHint: "N",
  },
  "response-timeout": {
    type: "string",
    description: "Seconds a forwarded plain-HTTP request waits for the response head (the body may take longer)",
    default: "120",
    valueHint: "SECONDS",
  },
  "busy-poll": {
    type: "string",
    description: "Microseconds the proxy keeps polling after a read instead of sleeping (saves a thread wake-up per reply; 0 = off)",
    default: "200",
    valueHint: "MICROSECONDS",
  },
  keepalive: { type: "string", description: "Seconds between keep-alive comments on an idle SSE stream", default: "15", valueHint: "SECONDS" },
  "json-response": { type: "boolean", description: "Answer POST /mcp requests with application/json instead of an event stream" },
  "session-idle": {
    type: "string",
    description: "Seconds a /mcp session may sit with no open stream and no request before its server is stopped",
    default: "1800",
    valueHint: "SECONDS",
  },
  "kill-timeout": {
    type: "string",
    description: "Seconds an MCP server has to exit after SIGTERM before SIGKILL",
    default: "5",
    valueHint: "SECONDS",
  },
  "max-body": { type: "string", description: "Largest POST /mcp or /messages body (bytes, or 512kb, 4mb)", default: "4mb", valueHint: "SIZE" },
  "max-sessions": { type: "string", description: "Most MCP sessions (child processes) at once", default: "64", valueHint: "N" },
  "allow-host": {
    type: "string",
    description: "Also accept this Host header (name or name:port) on the bridge routes (/mcp, /sse, /messages, /servers/…); repeatable",
    valueHint: "HOST",
  },
  "allow-origin": {
    type: "string",
    description: "Also accept requests from this browser Origin; repeatable; * allows any",
    valueHint: "ORIGIN",
  },
  auth: {
    type: "string",
    description: "Who needs the token: loopback-free (everyone but loopback clients), always, or off",
    default: "loopback-free",
    valueHint: "MODE",
  },
  "token-file": {
    type: "string",
    description: "Read the token from this file (created if missing); MCP_PROXY_TOKEN wins; default ~/.config/mcp-proxy/token",
    valueHint: "PATH",
  },
  "allow-client": {
    type: "string",
    description: "Only these non-loopback addresses may connect (address or CIDR, e.g. 172.17.0.0/16); repeatable",
    valueHint: "CIDR",
  },
  "allow-dest": {
    type: "string",
    description: "Proxied requests may only reach these (host, *.suffix or CIDR); also lifts the remote-client rules for them; repeatable",
    valueHint: "DEST",
  },
  "deny-dest": {
    type: "string",
    description: "Proxied requests may never reach these (host, *.suffix or CIDR); wins over --allow-dest; repeatable",
    valueHint: "DEST",
  },
  "open-proxy": {
    type: "boolean",
    description: "Start even though --host is not loopback, --auth is off and no --allow-client is given",
  },
  verbose: { type: "boolean", description: "Log debug lines too" },
  quiet: { type: "boolean", description: "Log errors only" },
  version: { type: "boolean", alias: "v", description: "Print the version and exit" },
  help: { type: "boolean", alias: "h", description: "Show this help and exit" },
} as const satisfies ArgsDef;

export type CliArgs = ParsedArgs<typeof args>;

export const examples = [
  "mcp-proxy                                  # proxy on 127.0.0.1:28080",
  "mcp-proxy -p 9000                          # another port",
  "mcp-proxy --sse npx -y @modelcontextprotocol/server-everything",
  "mcp-proxy --config claude_desktop_config.json   # each local server at /servers/<name>/mcp",
  "HTTPS_PROXY=http://127.0.0.1:28080 curl https://example.com/",
  "mcp-proxy --host 0.0.0.0 --allow-client 172.17.0.0/16 --sse …   # Docker containers, with the token",
  "mcp-proxy token                            # print the token clients send",
];

/** Splits `argv` at the first `--sse`: [mcp-proxy's own flags, the child's argv or undefined]. */
export function splitSse(argv: string[]): [string[], string[] | undefined] {
  const at = argv.findIndex((arg) => arg === "--sse" || arg.startsWith("--sse="));
  if (at === -1) return [argv, undefined];
  const inline = argv[at]!.startsWith("--sse=") ? [argv[at]!.slice("--sse=".length)] : [];
  const child = [...inline, ...argv.slice(at + 1)];
  if (child.length === 0 || child[0] === "") throw new OptionsError("--sse needs a command to run, for example: --sse npx -y @modelcontextprotocol/server-everything");
  return [argv.slice(0, at), child];
}

const known = new Set(Object.entries(args).flatMap(([name, def]) => [name, ...("alias" in def ? [def.alias] : [])]));

/** Rejects what citty lets through silently: unknown flags and stray words. */
export function checkUnknown(parsed: CliArgs): void {
  for (const key of Object.keys(parsed)) {
    if (key === "_" || known.has(key)) continue;
    // citty adds camelCase twins of dashed names.
    if (known.has(key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))) continue;
    throw new OptionsError(`unknown flag --${printable(key)} (see mcp-proxy --help)`);
  }
  if (parsed._.length > 0) throw new OptionsError(`unexpected argument "${printable(parsed._[0]!)}" (see mcp-proxy --help)`);
}

export function logLevel(parsed: CliArgs): LogLevelName {
  if (parsed.verbose && parsed.quiet) throw new OptionsError("--verbose and --quiet cannot be used together");
  return parsed.verbose ? "verbose" : parsed.quiet ? "quiet" : "info";
}

/**
 * Every value of a repeatable flag, in order. citty keeps only the last of a repeated string
 * flag, so `own` (mcp-proxy's own argv) is scanned directly when given; commas also separate.
 */
export function repeated(name: string, parsed: CliArgs, own?: string[]): string[] {
  let values: string[] = [];
  if (own) {
    for (let i = 0; i < own.length; i++) {
      const arg = own[i]!;
      if (arg === `--${name}` && i + 1 < own.length) values.push(own[++i]!);
      else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
    }
  } else {
    const value = (parsed as Record<string, unknown>)[name];
    values = Array.isArray(value) ? value.map(String) : typeof value === "string" ? [value] : [];
  }
  return values.flatMap((value) => value.split(",")).map((value) => value.trim()).filter(Boolean);
}

export function toOptions(parsed: CliArgs, sse: string[] | undefined, own?: string[]): ProxyOptions {
  return {
    port: parsePort(parsed.port),
    host: parsed.host,
    sse,
    config: parsed.config,
    initTimeoutMs: parseSeconds("--init-timeout", parsed["init-timeout"]),
    connectTimeoutMs: parseSeconds("--connect-timeout", parsed["connect-timeout"]),
    headerTimeoutMs: parseSeconds("--header-timeout", parsed["header-timeout"]),
    idleTimeoutMs: parseSeconds("--idle-timeout", parsed["idle-timeout"]),
    maxConnections: parsed["max-connections"] === undefined ? undefined : parseCount("--max-connections", parsed["max-connections"]),
    responseTimeoutMs: parseSeconds("--response-timeout", parsed["response-timeout"]),
    keepaliveMs: parseSeconds("--keepalive", parsed.keepalive),
    busyPollMs: parseMicroseconds("--busy-poll", parsed["busy-poll"]),
    jsonResponse: parsed["json-response"] === true,
    sessionIdleMs: parseSeconds("--session-idle", parsed["session-idle"]),
    killTimeoutMs: parseSeconds("--kill-timeout", parsed["kill-timeout"]),
    maxBodyBytes: parseBytes("--max-body", parsed["max-body"]),
    maxSessions: parseCount("--max-sessions", parsed["max-sessions"]),
    allowHosts: repeated("allow-host", parsed, own),
    allowOrigins: repeated("allow-origin", parsed, own),
    auth: parseAuthMode(parsed.auth),
    allowClients: repeated("allow-client", parsed, own),
    allowDests: repeated("allow-dest", parsed, own),
    denyDests: repeated("deny-dest", parsed, own),
    openProxy: parsed["open-proxy"] === true,
  };
}

/**
 * Adds the token when auth can apply: with --auth always, or when --host lets non-loopback
 * clients in, or when one was given explicitly (MCP_PROXY_TOKEN, --token-file). A proxy on
 * loopback with the defaults reads and writes no token file. Returns what to tell the user.
 */
export function withToken(options: ProxyOptions, tokenFile: string | undefined, env: TokenEnv): { options: ProxyOptions; loaded?: LoadedToken; notes: string[] } {
  const auth = options.auth ?? "loopback-free";
  if (auth === "off") return { options, notes: tokenFile ? ["--token-file is ignored with --auth off"] : [] };
  const explicit = tokenFile !== undefined || !!env.MCP_PROXY_TOKEN?.trim();
  if (auth === "loopback-free" && isLoopbackHost(options.host ?? "127.0.0.1") && !explicit) return { options, notes: [] };
  const loaded = loadToken(env, tokenFile);
  const notes: string[] = [];
  if (tokenFile !== undefined && loaded.source === TOKEN_ENV) notes.push(`${TOKEN_ENV} is set, so --token-file ${tokenFile} is not read`);
  if (loaded.created) notes.push(`created a new token in ${loaded.source} (mode 0600); print it with: mcp-proxy token`);
  return { options: { ...options, token: loaded.token, tokenSource: loaded.source }, loaded, notes };
}
