/**
 * A POST /mcp body → the messages it holds, each with the exact line written to the child.
 * Pure. Batches (JSON-RPC 2.0 §6) exist only up to MCP 2025-03-26; whether one is allowed is
 * the route's call, since it depends on the protocol version.
 */
import { JsonRpcHttpError } from "../errors.ts";
import { INVALID_REQUEST, PARSE_ERROR, isObject, kindOf, oneLine, type JsonObject, type MessageKind } from "./jsonrpc.ts";

export interface Incoming {
  message: JsonObject;
  kind: Exclude<MessageKind, "invalid">;
  /** The message as one stdin line. */
  line: string;
}

export interface ParsedBody {
  incoming: Incoming[];
  batch: boolean;
}

export function parseBody(body: string): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new JsonRpcHttpError(400, "Parse error: the body is not valid JSON", PARSE_ERROR);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw invalid("a batch must not be empty");
    return { incoming: value.map((item) => classify(item, JSON.stringify(item))), batch: true };
  }
  return { incoming: [classify(value, oneLine(body))], batch: false };
}

function classify(value: unknown, line: string): Incoming {
  if (!isObject(value) || value.jsonrpc !== "2.0") throw invalid("every message must be a JSON-RPC 2.0 object");
  const kind = kindOf(value);
  if (kind === "invalid") throw invalid("not a JSON-RPC request, notification or response");
  return { message: value, kind, line };
}

function invalid(why: string): JsonRpcHttpError {
  return new JsonRpcHttpError(400, `Invalid Request: ${why}`, INVALID_REQUEST);
}
