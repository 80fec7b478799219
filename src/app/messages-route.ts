/**
 * POST /messages?session_id=<id>: one JSON-RPC message from the client to its session's child.
 *
 *   id missing → 400 · unknown or ended session → 404 · body over --max-body → 413
 *   body not JSON, or not a message → 400 · queued for the child's stdin → 202 Accepted
 *   stdin buffer full → waits for room · the child reads nothing for stdinStallMs → 503, session ended
 *
 * Batches (a JSON array, allowed by JSON-RPC 2.0 and MCP 2024-11-05, removed in 2025-06-18):
 * each element is written as its own stdin line, and the child's responses come back as
 * separate `message` events. Stdio servers built on the SDK reject an array line as invalid,
 * so splitting is what makes batches work at all; an empty array or a non-object element is 400.
 */
import { HttpError } from "../errors.ts";
import { isObject, oneLine } from "../mcp/jsonrpc.ts";
import { SseSession } from "../mcp/sse-session.ts";
import { StdinClosedError } from "../mcp/stdin-writer.ts";
import type { SessionTable } from "../mcp/sessions.ts";
import { readBody } from "./body.ts";

export async function handleMessages(req: Request, sessions: SessionTable, maxBodyBytes: number): Promise<Response> {
  const params = new URL(req.url).searchParams;
  // Our endpoint says session_id (as the Python SDK does); the TS SDK's own servers say sessionId.
  const id = params.get("session_id") ?? params.get("sessionId");
  if (!id) throw new HttpError(400, "missing session_id query parameter");
  const session = sessions.get(id);
  // A /mcp session id is no key to /messages: each transport speaks only to its own sessions.
  if (!(session instanceof SseSession)) throw new HttpError(404, "unknown or ended session");

  const body = await readBody(req, maxBodyBytes);
  const lines = toLines(body);
  try {
    // Queued, not read: a child that stops reading must not hold the client.
    await session.send(lines, req.signal);
  } catch (error) {
    if (error instanceof StdinClosedError && error.stalled) throw new HttpError(503, `${error.message}: the session has ended`);
    throw new HttpError(404, "session ended");
  }
  return new Response("Accepted\n", { status: 202, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/** One stdin line per message, with the value it parses to. */
export function toLines(body: string): { line: string; message: unknown }[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.every(isObject)) throw new HttpError(400, "a batch must be a non-empty array of JSON-RPC messages");
    return value.map((message) => ({ line: JSON.stringify(message), message }));
  }
  if (!isObject(value)) throw new HttpError(400, "request body must be a JSON-RPC message (a JSON object)");
  return [{ line: oneLine(body), message: value }];
}
