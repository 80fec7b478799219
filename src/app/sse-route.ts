/**
 * GET /sse: one new session (one new child) per request, answered as an event stream.
 *
 *   GET /sse ─▶ sessions.openSse() (spawn; 502 / 503) ─▶ 200 text/event-stream
 *              first event `endpoint` → /messages?session_id=<uuid>, then the child's messages
 *   client hangs up (stream cancel or request abort) ─▶ session.close()
 */
import type { SessionTable } from "../mcp/sessions.ts";

export function handleSse(req: Request, sessions: SessionTable): Response {
  const session = sessions.openSse();
  // Two signals for one fact: Bun reports a hang-up through either, depending on timing.
  req.signal.addEventListener("abort", () => session.sink.abort(), { once: true });
  return new Response(session.stream, {
    status: 200,
    headers: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
      // nginx buffers responses unless told not to, which would hold events back.
      "X-Accel-Buffering": "no",
    },
  });
}
