/**
 * Header checks of the Streamable HTTP transport, pure: Accept (406), Content-Type (415),
 * MCP-Protocol-Version (400), and the batch rule that depends on it. Clients recover by these
 * status codes, so each is the one the spec names (MCP 2025-06-18 "Transports").
 */
import { JsonRpcHttpError } from "../errors.ts";

/** The versions whose MCP-Protocol-Version header we accept; the child negotiates the rest. */
export const PROTOCOL_VERSIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
/** Spec: with no header and nothing negotiated, assume 2025-03-26. */
export const DEFAULT_PROTOCOL_VERSION = "2025-03-26";
/** The first version that primes each SSE stream with an empty event carrying an id. */
const PRIMING_SINCE = "2025-11-25";
/** JSON-RPC batches were removed in 2025-06-18. */
const LAST_BATCH_VERSION = "2025-03-26";

/** Media types named in an Accept header, parameters and q-values dropped. */
function accepted(accept: string | null): string[] {
  return (accept ?? "").split(",").map((part) => part.split(";")[0]!.trim().toLowerCase());
}

function acceptsType(types: string[], type: string): boolean {
  // A wildcard accepts the type as much as naming it does (RFC 9110 §12.5.1).
  return types.includes(type) || types.includes("*/*") || types.includes(`${type.split("/")[0]}/*`);
}

/** What the SDKs send: checked without parsing. */
const SDK_ACCEPT = "application/json, text/event-stream";

/** POST: the client must take both a JSON body and an event stream. */
export function checkPostAccept(accept: string | null): void {
  if (accept === SDK_ACCEPT) return;
  const types = accepted(accept);
  if (!acceptsType(types, "application/json") || !acceptsType(types, "text/event-stream")) {
    throw new JsonRpcHttpError(406, "Not Acceptable: Accept must include both application/json and text/event-stream");
  }
}

/** GET: the answer is an event stream, nothing else. */
export function checkGetAccept(accept: string | null): void {
  if (!acceptsType(accepted(accept), "text/event-stream")) {
    throw new JsonRpcHttpError(406, "Not Acceptable: Accept must include text/event-stream");
  }
}

export function checkContentType(contentType: string | null): void {
  if (contentType !== "application/json" && accepted(contentType)[0] !== "application/json") {
    throw new JsonRpcHttpError(415, "Unsupported Media Type: Content-Type must be application/json");
  }
}

/** The header's version, or undefined if absent; 400 for one we do not speak. */
export function checkProtocolVersion(header: string | null): string | undefined {
  if (header === null) return undefined;
  const version = header.trim();
  if (!PROTOCOL_VERSIONS.includes(version)) {
    throw new JsonRpcHttpError(400, `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version.slice(0, 40))} (supported: ${PROTOCOL_VERSIONS.join(", ")})`);
  }
  return version;
}

export function batchesAllowed(version: string): boolean {
  return version <= LAST_BATCH_VERSION;
}

/** Older clients would try to parse the empty data of a priming event as JSON. */
export function primes(version: string): boolean {
  return version >= PRIMING_SINCE;
}
