/**
 * Reads SSE events from a response body, every read with a deadline. Comments (`: ping`) are
 * counted, not returned; an event's `id` is kept (the /mcp streams resume by it).
 */

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface SseReader {
  comments: string[];
  /** Every event read so far, including those already returned by next() and priming events. */
  seen: SseEvent[];
  /** Resolves with the next event, or rejects after `timeoutMs` or if the stream ends. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Every event until the server ends the stream (rejects after `timeoutMs`). */
  rest(timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the stream ends. */
  ended: Promise<void>;
}

export function readSse(body: ReadableStream<Uint8Array>, defaultTimeoutMs = 5000): SseReader {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const queue: SseEvent[] = [];
  const seen: SseEvent[] = [];
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
            else if (line.startsWith("id: ")) event.id = line.slice(4);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length > 0) {
            event.data = data.join("\n");
            seen.push(event);
            // An id with empty data primes a /mcp stream for resumption; clients skip it.
            if (event.data !== "") queue.push(event);
          }
        }
        wake?.();
      }
    } catch {
      // Aborted by the caller: the stream is over either way.
    }
    done = true;
    endResolve();
    wake?.();
  })();

  const next = async (ms = defaultTimeoutMs): Promise<SseEvent> => {
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

  const rest = async (ms = defaultTimeoutMs): Promise<SseEvent[]> => {
    const deadline = Date.now() + ms;
    const events: SseEvent[] = [];
    for (;;) {
      try {
        events.push(await next(Math.max(1, deadline - Date.now())));
      } catch (error) {
        if (done && queue.length === 0) return events;
        throw error;
      }
    }
  };

  return { comments, seen, next, rest, ended };
}
