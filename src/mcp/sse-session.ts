/**
 * One /sse client ⇄ one child process (HTTP+SSE, MCP 2024-11-05). Never shared: responses
 * cannot leak between clients.
 *
 *   child stdout ─▶ ChildLink ─▶ `event: message` ─▶ SseSink (with backpressure)
 *   POST /messages body ─▶ send() ─▶ child stdin (resolves once queued in its bounded buffer)
 *   the session ends (child gone, no answer to initialize) with requests unanswered
 *     ─▶ one JSON-RPC error (-32603) per request, then the stream ends
 *
 * Those errors are what lets a client fail at once: the SDK's SSEClientTransport treats a
 * closed stream as a dropped connection and reconnects, leaving its request to time out.
 * Every way a session ends (client gone, child gone, stdout line over the cap, shutdown) runs
 * close(), which is idempotent: forget the session, stop the child, end the stream, log once.
 */
import { ChildLink, type LinkConfig, type LinkInfo } from "./child-link.ts";
import { idKey, isObject, kindOf, unansweredLine } from "./jsonrpc.ts";
import { SseSink } from "./sse-sink.ts";
import { StdinClosedError } from "./stdin-writer.ts";
import { endpointEvent, messageEvent } from "./sse-writer.ts";

export interface SseSessionConfig extends LinkConfig {
  keepaliveMs: number;
}

export class SseSession {
  readonly sink: SseSink;
  private readonly link: ChildLink;
  private closing: Promise<void> | undefined;
  /** Ids (as keys) of client requests the child has not answered yet. */
  private readonly pending = new Set<string>();

  /** Spawns the child (throws SpawnError); `onClose` runs as soon as the session starts closing. */
  constructor(
    readonly id: string,
    config: SseSessionConfig,
    private readonly onClose: (session: SseSession) => void,
  ) {
    // The child first: if it cannot start, no sink (and no keep-alive timer) exists to leak.
    // Its callbacks all run later, from promises, by which time the sink is set.
    this.link = new ChildLink(id, "/sse", config, {
      onLine: (line) => {
        if (this.pending.size > 0 && isObject(line.message) && kindOf(line.message) === "response") this.pending.delete(idKey(line.message.id));
        void this.sink.send(messageEvent(line.text));
      },
      onEnd: (reason) => void this.close(reason),
      backpressure: () => this.sink.ready(),
    });
    this.sink = new SseSink({ keepaliveMs: config.keepaliveMs, onGone: () => void this.close("client disconnected") });
    this.sink.send(endpointEvent(`${config.basePath}/messages?session_id=${id}`));
  }

  get pid(): number {
    return this.link.pid;
  }

  info(): LinkInfo {
    return this.link.info();
  }

  get stream(): ReadableStream<Uint8Array> {
    return this.sink.stream;
  }

  /**
   * Queues JSON-RPC messages (each a single line, with the value it parses to) for the child's
   * stdin, as one unit. Rejects with StdinClosedError if they will never be written: the
   * session is closing, the child stopped reading its stdin, or `signal` aborted while they
   * waited for room in the buffer.
   */
  async send(messages: { line: string; message: unknown }[], signal?: AbortSignal): Promise<void> {
    if (this.closing) throw new StdinClosedError("the session is closed");
    const requests = messages.flatMap(({ message }) => (isObject(message) && kindOf(message) === "request" ? [idKey(message.id)] : []));
    for (const key of requests) this.pending.add(key);
    try {
      await this.link.send(
        messages.map(({ line }) => line),
        signal,
      );
    } catch (error) {
      // Never written: no answer will come, and none is owed on the stream.
      for (const key of requests) this.pending.delete(key);
      throw error;
    }
  }

  close(reason: string): Promise<void> {
    return (this.closing ??= this.shutdown(reason));
  }

  private async shutdown(reason: string): Promise<void> {
    this.onClose(this);
    await this.link.stop();
    for (const key of this.pending) this.sink.send(messageEvent(unansweredLine(key, reason)));
    this.sink.end();
    this.link.logClosed(reason);
  }
}
