/**
 * JSON-RPC 2.0 message shapes as the Streamable HTTP bridge needs them: which kind a message
 * is, a map key for its id, the progress token it carries, and error responses we write
 * ourselves. Pure.
 *
 * Ids and tokens become keys through JSON.stringify, so the request id 1 and "1" stay apart
 * (JSON-RPC 2.0 §4: they are different ids).
 */

export type JsonObject = Record<string, unknown>;
export type MessageKind = "request" | "notification" | "response" | "invalid";

/** JSON-RPC error codes (JSON-RPC 2.0 §5.1) and the MCP SDK's session errors. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INTERNAL_ERROR = -32603;
/** What the SDK's own server answers for header and session problems. */
export const SERVER_ERROR = -32000;
export const SESSION_NOT_FOUND = -32001;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A JSON text as one stdin line. Raw CR/LF occur in JSON only as whitespace, so replacing them
 * keeps the message identical; unlike re-serialising, a big integer id survives exactly.
 */
export function oneLine(json: string): string {
  return json.replace(/[\r\n]+/g, " ").trim();
}

function isId(value: unknown): boolean {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

export function kindOf(message: JsonObject): MessageKind {
  if (typeof message.method === "string") {
    if (!("id" in message)) return "notification";
    return isId(message.id) ? "request" : "invalid";
  }
  if (("result" in message || "error" in message) && (isId(message.id) || message.id === null)) return "response";
  return "invalid";
}

/** A map key for an id: requests and responses match by it. */
export function idKey(id: unknown): string {
  return JSON.stringify(id);
}

/** The progress token a client request asks for (`params._meta.progressToken`), as a key. */
export function requestProgressToken(message: JsonObject): string | undefined {
  const params = message.params;
  const meta = isObject(params) ? params._meta : undefined;
  const token = isObject(meta) ? meta.progressToken : undefined;
  return isId(token) ? idKey(token) : undefined;
}

/** The progress token a server notification reports on (`params.progressToken`), as a key. */
export function notificationProgressToken(message: JsonObject): string | undefined {
  const params = message.params;
  const token = isObject(params) ? params.progressToken : undefined;
  return isId(token) ? idKey(token) : undefined;
}

export function isInitialize(message: JsonObject): boolean {
  return message.method === "initialize";
}

/** A JSON-RPC error response as one line of JSON; `idJson` is the id already serialised. */
export function errorLine(idJson: string, code: number, message: string): string {
  return `{"jsonrpc":"2.0","id":${idJson},"error":{"code":${code},"message":${JSON.stringify(message)}}}`;
}

/**
 * The -32603 a request gets when its session ends before the child answered it: on `/mcp`
 * on the response the client waits for, on `/sse` as a message, so clients fail at once
 * instead of at their own timeout. `reason` is the session's close reason.
 */
export function unansweredLine(idJson: string, reason: string): string {
  const why = reason.startsWith("child ") ? "the MCP server exited" : `the session ended (${reason})`;
  return errorLine(idJson, INTERNAL_ERROR, `${why} before answering`);
}
