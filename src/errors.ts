/**
 * Typed errors, mapped once: OptionsError (bad flags, exit 2), ListenError (bind failed,
 * exit 1), ConfigError (setup/doctor cannot use a file, exit 1), HttpError (a status a client
 * sees), and the one errno table for upstream failures.
 */

/** A flag or option value that cannot be used. The CLI prints it on one line and exits 2. */
export class OptionsError extends Error {
  override name = "OptionsError";
}

/** The front could not bind its port. The CLI prints it and exits 1. */
export class ListenError extends Error {
  override name = "ListenError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * A user's file that setup or doctor cannot use as it is: missing, not JSON, not of the
 * expected shape, or not writable. The message names the path (and LINE:COLUMN where there is
 * one). The CLI prints it on one line and exits 1; nothing was written.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A failure the client sees as a short text/plain response. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An HttpError on /mcp: the body is a JSON-RPC error object, which Streamable HTTP clients
 * parse (the SDK's own server answers the same way). `code` is -32000 unless the JSON-RPC
 * spec names one (-32700 parse error, -32600 invalid request).
 */
export class JsonRpcHttpError extends HttpError {
  override name = "JsonRpcHttpError";
  constructor(
    status: number,
    message: string,
    readonly code = -32000,
  ) {
    super(status, message);
  }

  response(): Response {
    const body = { jsonrpc: "2.0", id: null, error: { code: this.code, message: this.message } };
    return Response.json(body, { status: this.status });
  }
}

/** A TCP connect that took longer than allowed; shaped like the OS's own so it maps to 504. */
export class ConnectTimeout extends Error {
  override name = "ConnectTimeout";
  readonly code = "ETIMEDOUT";
  constructor() {
    super("connect timed out");
  }
}

/** strerror(3) wording for the codes a proxy meets, so log lines read like the OS's own. */
const errnoText: Record<string, string> = {
  ECONNREFUSED: "Connection refused",
  ECONNRESET: "Connection reset by peer",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
  ENETDOWN: "Network is down",
  ETIMEDOUT: "Connection timed out",
  EPERM: "Operation not permitted",
  EACCES: "Permission denied",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EADDRINUSE: "Address already in use",
  EPIPE: "Broken pipe",
  ENOTFOUND: "Host not found",
  EAI_AGAIN: "Temporary failure in name resolution",
};

/** Codes that mean "the upstream did not answer in time" rather than "it said no". */
const timeoutCodes = new Set(["ETIMEDOUT"]);

/** The errno code of an error from Bun.connect and friends, or "EUNKNOWN". */
export function errnoCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code ? code : "EUNKNOWN";
}

/** `EHOSTUNREACH No route to host`: the form users paste into search engines. */
export function describeErrno(error: unknown): string {
  const code = errnoCode(error);
  const text = errnoText[code] ?? (error instanceof Error ? error.message : String(error));
  return `${code} ${text}`;
}

/** The status a proxy answers when it cannot reach the upstream (RFC 9110 §15.6.3, §15.6.5). */
export function statusForErrno(error: unknown): 502 | 504 {
  return timeoutCodes.has(errnoCode(error)) ? 504 : 502;
}
