/**
 * The replay log of one Streamable HTTP session: every SSE event it sent or queued, in order,
 * bounded, so a GET with Last-Event-ID can replay what one stream missed (MCP 2025-03-26
 * "Resumability and Redelivery"). Pure.
 *
 * Event ids are `<stream>-<seq>`: the stream number (0 is the GET stream, POST streams count
 * up from 1) and a sequence number shared by the whole session. The stream in the id is what
 * keeps a replay to "the stream that was disconnected", as the spec requires; the session-wide
 * sequence orders events across streams for free.
 */

export interface LoggedEvent {
  stream: number;
  seq: number;
  /** One JSON-RPC message, already a single line. */
  data: string;
}

export interface EventLogLimits {
  /** Most events kept. */
  maxEvents: number;
  /** Most characters of data kept; the newest event is kept even if it alone is larger. */
  maxChars: number;
}

export class EventLog {
  private readonly events: LoggedEvent[] = [];
  private chars = 0;
  private seq = 0;

  constructor(private readonly limits: EventLogLimits) {}

  /** The last sequence number handed out (0 before the first event). */
  get lastSeq(): number {
    return this.seq;
  }

  get size(): number {
    return this.events.length;
  }

  /** Records an event; returns it and whatever fell out of the log to make room, oldest first. */
  append(stream: number, data: string): { event: LoggedEvent; evicted: LoggedEvent[] } {
    const event = { stream, seq: ++this.seq, data };
    this.events.push(event);
    this.chars += data.length;
    const evicted: LoggedEvent[] = [];
    while (this.events.length > 1 && (this.events.length > this.limits.maxEvents || this.chars > this.limits.maxChars)) {
      const old = this.events.shift()!;
      this.chars -= old.data.length;
      evicted.push(old);
    }
    return { event, evicted };
  }

  /** The events of `stream` after `seq`, oldest first. */
  after(stream: number, seq: number): LoggedEvent[] {
    return this.events.filter((event) => event.stream === stream && event.seq > seq);
  }
}

export function formatEventId(stream: number, seq: number): string {
  return `${stream}-${seq}`;
}

/** `Last-Event-ID` → stream and sequence number, or undefined if it is not one of ours. */
export function parseEventId(text: string): { stream: number; seq: number } | undefined {
  const match = /^(\d{1,9})-(\d{1,15})$/.exec(text.trim());
  if (!match) return undefined;
  return { stream: Number(match[1]), seq: Number(match[2]) };
}
