/**
 * Reads a /sse stream event by event from fetch().body, every read with a deadline, and
 * posts JSON-RPC to the session's endpoint. Comments (`: ping`) are counted, not returned.
 */

export interface SseEvent {
  event: string;
  data: string;
}

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
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const queue: SseEvent[] = [];
  const comments: string[] = [];
  let buffer = "";
  let done = false;
  let wake: (() => void) | undefined;
  let endResolve!: () => void;
  const ended = new Promise<void>((resolve) => (endResolve = resolve));

  void (async () => {
    try {
      for (;;) {
        const { done: finished, value } = await reader.read();
        if (finished) break;
        buffer += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event: SseEvent = { event: "message", data: "" };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else if (line.startsWith("event: ")) event.event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length > 0) {
            event.data = data.join("\n");
            queue.push(event);
          }
        }
        wake?.();
      }
    } catch {
      // Aborted by close(): the stream is over either way.
    }
    done = true;
    endResolve();
    wake?.();
  })();

  const next = async (ms = timeoutMs): Promise<SseEvent> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const event = queue.shift();
      if (event) return event;
      if (done) throw new Error("SSE stream ended");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SSE event within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

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
