/**
 * /mcp: the Streamable HTTP transport (MCP 2025-03-26, 2025-06-18, 2025-11-25).
 *
 *   POST initialize, no Mcp-Session-Id ─▶ spawn ─▶ 200 (SSE or JSON) + Mcp-Session-Id
 *   POST requests ─▶ 200 text/event-stream, ends after their responses (--json-response: JSON)
 *   POST notifications / responses only ─▶ 202 once queued for the child's stdin
 *     (503 when the child stops reading its stdin while they wait for room)
 *   GET ─▶ the session's stream for server-initiated messages (Last-Event-ID: a resumption)
 *   DELETE ─▶ child stopped ─▶ 204, then 404
 *   no session header ─▶ 400 · unknown or ended session ─▶ 404 (clients re-initialize on 404)
 */
import { HttpError, JsonRpcHttpError } from "../errors.ts";
import { parseBody, type Incoming } from "../mcp/incoming.ts";
import { INVALID_REQUEST, SESSION_NOT_FOUND, SERVER_ERROR, isInitialize } from "../mcp/jsonrpc.ts";
import type { SessionTable } from "../mcp/sessions.ts";
import type { SseSink } from "../mcp/sse-sink.ts";
import { StreamableSession } from "../mcp/streamable-session.ts";
import { readBody } from "./body.ts";
import {
  DEFAULT_PROTOCOL_VERSION,
  batchesAllowed,
  checkContentType,
  checkGetAccept,
  checkPostAccept,
  checkProtocolVersion,
  primes,
} from "./mcp-headers.ts";

export interface McpRouteOptions {
  maxBodyBytes: number;
  jsonResponse: boolean;
}

export function handleMcp(req: Request, sessions: SessionTable, options: McpRouteOptions): Promise<Response> | Response {
  switch (req.method) {
    case "POST":
      return handlePost(req, sessions, options);
    case "GET":
      return handleGet(req, sessions);
    case "DELETE":
      return handleDelete(req, sessions);
    default:
      return new Response("method not allowed: use POST, GET or DELETE /mcp\n", { status: 405, headers: { Allow: "GET, POST, DELETE" } });
  }
}

async function handlePost(req: Request, sessions: SessionTable, options: McpRouteOptions): Promise<Response> {
  checkPostAccept(req.headers.get("accept"));
  checkContentType(req.headers.get("content-type"));
  const headerVersion = checkProtocolVersion(req.headers.get("mcp-protocol-version"));
  const { incoming, batch } = parseBody(await readBody(req, options.maxBodyBytes));
  const sessionId = req.headers.get("mcp-session-id");

  if (incoming.some((item) => isInitialize(item.message))) {
    if (batch) throw new JsonRpcHttpError(400, "Invalid Request: initialize must not be part of a batch", INVALID_REQUEST);
    if (sessionId !== null) throw new JsonRpcHttpError(400, "Bad Request: initialize must be sent without Mcp-Session-Id (this session is already initialized)");
    if (incoming[0]!.kind !== "request") throw new JsonRpcHttpError(400, "Invalid Request: initialize must be a request", INVALID_REQUEST);
    const session = open(sessions);
    // No priming on initialize: the client learns the version from this very answer.
    return answer(req, session, incoming, false, options.jsonResponse);
  }

  const session = find(sessions, sessionId);
  const version = headerVersion ?? session.protocolVersion ?? DEFAULT_PROTOCOL_VERSION;
  if (batch && !batchesAllowed(version)) {
    throw new JsonRpcHttpError(400, `Invalid Request: JSON-RPC batches are not part of MCP ${version}`, INVALID_REQUEST);
  }
  session.touch();
  if (!incoming.some((item) => item.kind === "request")) {
    await session.accept(incoming, req.signal);
    return new Response(null, { status: 202 });
  }
  return answer(req, session, incoming, primes(version), options.jsonResponse, batch);
}

function answer(
  req: Request,
  session: StreamableSession,
  incoming: Incoming[],
  prime: boolean,
  json: boolean,
  batch = false,
): Promise<Response> {
  const headers = { "Mcp-Session-Id": session.id };
  if (json) {
    return session.collect(incoming, req.signal).then((lines) => {
      const body = batch ? `[${lines.join(",")}]` : lines[0]!;
      return new Response(body, { status: 200, headers: { ...headers, "Content-Type": "application/json" } });
    });
  }
  return session.stream(incoming, prime).then((sink) => eventStream(req, sink, headers));
}

async function handleGet(req: Request, sessions: SessionTable): Promise<Response> {
  checkGetAccept(req.headers.get("accept"));
  const headerVersion = checkProtocolVersion(req.headers.get("mcp-protocol-version"));
  const session = find(sessions, req.headers.get("mcp-session-id"));
  session.touch();
  const version = headerVersion ?? session.protocolVersion ?? DEFAULT_PROTOCOL_VERSION;
  const sink = session.open(req.headers.get("last-event-id"), primes(version));
  return eventStream(req, sink, { "Mcp-Session-Id": session.id });
}

function handleDelete(req: Request, sessions: SessionTable): Response {
  checkProtocolVersion(req.headers.get("mcp-protocol-version"));
  const session = find(sessions, req.headers.get("mcp-session-id"));
  // The session leaves the table at once (so the next request gets 404); the child's stop
  // (end → TERM → KILL, up to --kill-timeout) goes on without holding the client.
  void session.close("client ended the session (DELETE)");
  return new Response(null, { status: 204 });
}

/** A new session; its refusals (503 full, 502 cannot start, 404 server gone) as JSON-RPC errors, which clients show. */
function open(sessions: SessionTable): StreamableSession {
  try {
    return sessions.openStreamable();
  } catch (error) {
    if (error instanceof HttpError && !(error instanceof JsonRpcHttpError)) throw new JsonRpcHttpError(error.status, error.message);
    throw error;
  }
}

function find(sessions: SessionTable, id: string | null): StreamableSession {
  if (id === null) throw new JsonRpcHttpError(400, "Bad Request: Mcp-Session-Id header is required", SERVER_ERROR);
  const session = sessions.get(id);
  if (!(session instanceof StreamableSession)) throw new JsonRpcHttpError(404, "Session not found", SESSION_NOT_FOUND);
  return session;
}

function eventStream(req: Request, sink: SseSink, headers: Record<string, string>): Response {
  const body = sink.body();
  // Two signals for one fact: Bun reports a hang-up through either, depending on timing.
  // A body that is already complete has no hang-up left to report. A POST's response waits
  // up to 10 ms for its first message (SseSink.hold), so the client may be gone already.
  if (body instanceof ReadableStream) {
    if (req.signal.aborted) sink.abort();
    else req.signal.addEventListener("abort", () => sink.abort(), { once: true });
  }
  return new Response(body, {
    status: 200,
    headers: {
      ...headers,
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
      // nginx buffers responses unless told not to, which would hold events back.
      "X-Accel-Buffering": "no",
    },
  });
}
