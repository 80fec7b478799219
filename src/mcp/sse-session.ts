/**
 * One /sse client ⇄ one child process (HTTP+SSE, MCP 2024-11-05). Never shared: responses
 * cannot leak between clients.
 *
 *   child stdout ─▶ ChildLink ─▶ `event: message` ─▶ SseSink (with backpressure)
 *   POST /messages body ─▶ send() ─▶ child stdin
 *
 * Every way a session ends (client gone, child gone, stdout line over the cap, shutdown) runs
 * close(), which is idempotent: forget the session, stop the child, end the stream, log once.
 */
import { ChildLink, type LinkConfig, type LinkInfo } from "./child-link.ts";
import { SseSink } from "./sse-sink.ts";
import { endpointEvent, messageEvent } from "./sse-writer.ts";

export interface SseSessionConfig extends LinkConfig {
  keepaliveMs: number;
}

export class SseSession {
  readonly sink: SseSink;
  private readonly link: ChildLink;
  private closing: Promise<void> | undefined;

  /** Spawns the child (throws SpawnError); `onClose` runs as soon as the session starts closing. */
  constructor(
    readonly id: string,
    config: SseSessionConfig,
    private readonly onClose: (session: SseSession) => void,
  ) {
    // The child first: if it cannot start, no sink (and no keep-alive timer) exists to leak.
    // Its callbacks all run later, from promises, by which time the sink is set.
    this.link = new ChildLink(id, "/sse", config, {
      onLine: (line) => void this.sink.send(messageEvent(line.text)),
      onEnd: (reason) => void this.close(reason),
      backpressure: () => this.sink.ready(),
    });
    this.sink = new SseSink({ keepaliveMs: config.keepaliveMs, onGone: () => void this.close("client disconnected") });
    this.sink.send(endpointEvent(`/messages?session_id=${id}`));
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

  /** Writes one JSON-RPC message (already a single line) to the child's stdin. */
  async send(line: string): Promise<void> {
    if (this.closing) throw new Error("session is closed");
    await this.link.send(line);
  }

  close(reason: string): Promise<void> {
    return (this.closing ??= this.shutdown(reason));
  }

  private async shutdown(reason: string): Promise<void> {
    this.onClose(this);
    await this.link.stop();
    this.sink.end();
    this.link.logClosed(reason);
  }
}
