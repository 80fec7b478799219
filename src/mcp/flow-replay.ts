/**
 * A /mcp session's flows and their replay log: every child message a flow gets is an event
 * with an id (`<flow>-<seq>`), sent on the flow's open response if it has one, and kept for a
 * GET with Last-Event-ID if the client dropped it.
 *
 *   emit(flow, line) ─▶ EventLog.append ─▶ flow.sink (delivered = seq) │ waits in the log
 *   replay(flow, sink, after) / replayEnded(stream, seq) ─▶ what a reconnecting client missed
 */
import { EventLog } from "./event-log.ts";
import { SseSink } from "./sse-sink.ts";
import { streamMessage } from "./sse-writer.ts";

/** Replay log bounds per session: enough for a burst of progress and logging, not a leak. */
export const REPLAY_EVENTS = 1000;
export const REPLAY_CHARS = 8 * 1024 * 1024;

/** The I/O side of a flow; the router holds which requests it waits for. */
export interface Flow {
  no: number;
  /** The HTTP response carrying it now, if any. */
  sink: SseSink | undefined;
  /** Seq of the last event handed to a sink. */
  delivered: number;
  /** --json-response: responses are collected and returned as one JSON body instead. */
  json?: { lines: string[]; done(lines: string[]): void; /** False once the client has left. */ waiting: boolean };
}

export class FlowReplay {
  private readonly events = new EventLog({ maxEvents: REPLAY_EVENTS, maxChars: REPLAY_CHARS });

  constructor(
    private readonly flows: Map<number, Flow>,
    private readonly warn: (message: string) => void,
  ) {}

  /** The seq the next event will follow, for a stream's priming event. */
  get lastSeq(): number {
    return this.events.lastSeq;
  }

  emit(flow: Flow, line: string): void {
    const { event, evicted } = this.events.append(flow.no, line);
    for (const old of evicted) {
      const owner = this.flows.get(old.stream);
      if (owner && old.seq > owner.delivered) this.warn(`replay log full, dropped an undelivered message of stream ${old.stream}`);
    }
    if (flow.sink?.send(streamMessage(flow.no, event.seq, line))) flow.delivered = event.seq;
  }

  replay(flow: Flow, sink: SseSink, after: number): void {
    for (const event of this.events.after(flow.no, after)) {
      if (sink.send(streamMessage(event.stream, event.seq, event.data))) flow.delivered = event.seq;
    }
  }

  /** A flow that is over: what its client missed after `seq`, as a response that then ends. */
  replayEnded(stream: number, seq: number, keepaliveMs: number): SseSink {
    const sink = new SseSink({ keepaliveMs, onGone: () => {} });
    for (const event of this.events.after(stream, seq)) sink.send(streamMessage(event.stream, event.seq, event.data));
    sink.end();
    return sink;
  }
}
