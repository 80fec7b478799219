/**
 * A /sse session for tests: reads its stream with sse-reader.ts and posts JSON-RPC to the
 * session's endpoint.
 */

import { readSse, type SseEvent } from "./sse-reader.ts";

export type { SseEvent };

export interface SseClient extends AsyncDisposable {
  response: Response;
  /** The `/messages?session_id=…` path from the endpoint event. */
  endpoint: string;
  sessionId: string;
  comments: string[];
  /** Resolves with the next event, or rejects after `timeoutMs` or if the stream ends. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** The next `message` event parsed as JSON whose `id` equals `id`; other messages are skipped. */
  response_(id: number | string, timeoutMs?: number): Promise<{ id: unknown; result?: any; error?: any }>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  post(body: unknown, init?: { raw?: boolean }): Promise<Response>;
  close(): void;
}

export async function openSse(baseUrl: string, timeoutMs = 5000): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/sse`, { signal: abort.signal, headers: { Accept: "text/event-stream" } });
  if (response.status !== 200 || !response.body) throw new Error(`GET /sse answered ${response.status}: ${await response.text()}`);
  const { comments, next, ended } = readSse(response.body, timeoutMs);
  const first = await next();
  if (first.event !== "endpoint") throw new Error(`first event was ${first.event}, not endpoint`);
  const endpoint = first.data;
  const sessionId = new URL(endpoint, baseUrl).searchParams.get("session_id") ?? "";
  const close = () => abort.abort();
  return {
    response,
    endpoint,
    sessionId,
    comments,
    next,
    async response_(id, ms = timeoutMs) {
      const deadline = Date.now() + ms;
      for (;;) {
        const event = await next(Math.max(1, deadline - Date.now()));
        if (event.event !== "message") continue;
        const message = JSON.parse(event.data);
        if (message.id === id) return message;
      }
    },
    ended,
    post: (body, init) =>
      fetch(new URL(endpoint, baseUrl), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: init?.raw ? (body as string) : JSON.stringify(body),
      }),
    close,
    [Symbol.asyncDispose]: async () => close(),
  };
}
