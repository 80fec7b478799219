/**
 * One /mcp client session ⇄ one child (Streamable HTTP, MCP 2025-03-26 to 2025-11-25).
 *
 *   POST with requests ─▶ a new flow (stream n ≥ 1) that holds their ids and progress tokens
 *   child line ─▶ a response: the flow holding its id (never flow 0, never two flows)
 *              ─▶ a notification with an open request's progress token: that request's flow
 *              ─▶ anything else (server requests, list_changed, logging): flow 0, the GET stream
 *   every event ─▶ EventLog (id `<flow>-<seq>`) ─▶ the flow's open response, if it has one
 *
 * A flow outlives its HTTP response: if the client drops it, later events wait in the log for
 * a GET with Last-Event-ID. Flow 0 never ends; while no GET is open, the log is its queue.
 * Idle (no open response, no request) for idleMs, the child is stopped.
 */
import { HttpError, JsonRpcHttpError } from "../errors.ts";
import { ChildLink, type LinkConfig } from "./child-link.ts";
import { EventLog, formatEventId, parseEventId } from "./event-log.ts";
import { INTERNAL_ERROR, errorLine, idKey, isInitialize, isObject, kindOf, notificationProgressToken, requestProgressToken } from "./jsonrpc.ts";
import type { Incoming } from "./incoming.ts";
import { SseSink } from "./sse-sink.ts";
import { encodeComment, encodeEvent } from "./sse-writer.ts";

export interface StreamableConfig extends LinkConfig {
  keepaliveMs: number;
  /** No open response and no request for this long → the session is closed. */
  idleMs: number;
}

/** Replay log bounds per session: enough for a burst of progress and logging, not a leak. */
export const REPLAY_EVENTS = 1000;
export const REPLAY_CHARS = 8 * 1024 * 1024;
/** How long a POST stream's opening waits to share a write with the first message. */
const OPENING_WAIT_MS = 10;

interface Flow {
  no: number;
  /** Keys of the requests whose responses this flow still waits for. */
  pending: Set<string>;
  /** The HTTP response carrying it now, if any. */
  sink: SseSink | undefined;
  /** Seq of the last event handed to a sink. */
  delivered: number;
  /** --json-response: responses are collected and returned as one JSON body instead. */
  json?: { lines: string[]; done(lines: string[]): void };
}

export class StreamableSession {
  /** What the child's InitializeResult negotiated. */
  protocolVersion: string | undefined;
  private readonly link: ChildLink;
  private readonly events = new EventLog({ maxEvents: REPLAY_EVENTS, maxChars: REPLAY_CHARS });
  private readonly flows = new Map<number, Flow>();
  private readonly requests = new Map<string, { flow: Flow; token: string | undefined }>();
  private readonly tokens = new Map<string, Flow>();
  private nextFlow = 1;
  private initKey: string | undefined;
  private idleTimer: Timer | undefined;
  private closing: Promise<void> | undefined;

  /** Spawns the child (throws SpawnError); `onClose` runs as soon as the session starts closing. */
  constructor(
    readonly id: string,
    private readonly config: StreamableConfig,
    private readonly onClose: (session: StreamableSession) => void,
  ) {
    this.link = new ChildLink(id, "/mcp", config, {
      onLine: (line) => this.route(line),
      onEnd: (reason) => void this.close(reason),
      backpressure: () => Promise.all([...this.flows.values()].map((flow) => flow.sink?.ready())).then(() => {}),
    });
    this.flows.set(0, { no: 0, pending: new Set(), sink: undefined, delivered: 0 });
    this.armIdle();
  }

  get pid(): number {
    return this.link.pid;
  }

  /** A request arrived: the idle clock starts again. */
  touch(): void {
    this.armIdle();
  }

  /** Notifications and responses only: written to the child, nothing comes back on this POST. */
  async accept(incoming: Incoming[]): Promise<void> {
    await this.write(incoming);
  }

  /** Requests: an SSE response carrying what relates to them, ending after their responses. */
  async stream(incoming: Incoming[], prime: boolean): Promise<SseSink> {
    const flow = this.register(incoming);
    const sink = this.attach(flow);
    sink.setOpening(opening(flow.no, this.events.lastSeq, prime), OPENING_WAIT_MS);
    await this.write(incoming);
    return sink;
  }

  /** Requests, --json-response: their responses as JSON lines, once all have arrived. */
  async collect(incoming: Incoming[]): Promise<string[]> {
    const flow = this.register(incoming);
    const answered = new Promise<string[]>((done) => (flow.json = { lines: [], done }));
    await this.write(incoming);
    return answered;
  }

  /** GET: the standalone stream (replacing any open one), or a resumption after Last-Event-ID. */
  open(lastEventId: string | null, prime: boolean): SseSink {
    if (lastEventId === null) {
      const flow = this.flows.get(0)!;
      const sink = this.attach(flow);
      sink.send(opening(0, flow.delivered, prime));
      this.replay(flow, sink, flow.delivered);
      return sink;
    }
    const last = parseEventId(lastEventId);
    if (!last || last.stream >= this.nextFlow) throw new JsonRpcHttpError(400, "Bad Request: Last-Event-ID is not an event id of this session");
    const flow = this.flows.get(last.stream);
    if (flow) {
      const sink = this.attach(flow);
      sink.send(opening(flow.no, last.seq, false));
      this.replay(flow, sink, last.seq);
      return sink;
    }
    // The flow is over: replay what its client missed, then end.
    const sink = new SseSink({ keepaliveMs: this.config.keepaliveMs, onGone: () => {} });
    for (const event of this.events.after(last.stream, last.seq)) sink.send(messageEvent(event.stream, event.seq, event.data));
    sink.end();
    return sink;
  }

  close(reason: string): Promise<void> {
    return (this.closing ??= this.shutdown(reason));
  }

  // --- internal ---

  private async shutdown(reason: string): Promise<void> {
    clearTimeout(this.idleTimer);
    this.onClose(this);
    await this.link.stop();
    // Whatever is unanswered now never will be: every waiting client gets an error (-32603).
    const why = reason === "child exited" || reason === "child closed stdout" ? "the MCP server exited" : `the session ended (${reason})`;
    const unanswered = [...this.requests];
    this.requests.clear();
    for (const [key, { flow }] of unanswered) this.answer(flow, key, errorLine(key, INTERNAL_ERROR, `${why} before answering`));
    for (const flow of this.flows.values()) flow.sink?.end();
    this.link.logClosed(reason);
  }

  private register(incoming: Incoming[]): Flow {
    if (this.closing) throw new JsonRpcHttpError(404, "Session not found: it has ended", -32001);
    const flow: Flow = { no: this.nextFlow++, pending: new Set(), sink: undefined, delivered: 0 };
    for (const { message, kind } of incoming) {
      if (kind !== "request") continue;
      const key = idKey(message.id);
      // JSON-RPC ids must not be reused within a session while in flight; routing depends on it.
      if (this.requests.has(key) || flow.pending.has(key)) throw new JsonRpcHttpError(400, `Bad Request: request id ${key} is already in use`, -32600);
      flow.pending.add(key);
    }
    for (const { message, kind } of incoming) {
      if (kind !== "request") continue;
      const key = idKey(message.id);
      const token = requestProgressToken(message);
      this.requests.set(key, { flow, token });
      if (token) this.tokens.set(token, flow);
      if (isInitialize(message)) this.initKey = key;
    }
    this.flows.set(flow.no, flow);
    this.armIdle();
    return flow;
  }

  private async write(incoming: Incoming[]): Promise<void> {
    try {
      if (this.closing) throw new Error("closing");
      for (const { line } of incoming) await this.link.send(line);
    } catch {
      throw new HttpError(404, "Session not found: it has ended");
    }
  }

  /** Child → client routing (see the diagram at the top). */
  private route(line: string): void {
    const message: unknown = JSON.parse(line);
    if (isObject(message) && kindOf(message) === "response") {
      const key = idKey(message.id);
      const request = this.requests.get(key);
      if (!request) {
        this.config.log.warn(`session ${this.id}: the child answered request id ${key}, which nothing waits for; dropped`);
        return;
      }
      this.requests.delete(key);
      if (request.token) this.tokens.delete(request.token);
      if (key === this.initKey && isObject(message.result) && typeof message.result.protocolVersion === "string") {
        this.protocolVersion = message.result.protocolVersion;
      }
      this.answer(request.flow, key, line);
      return;
    }
    const token = isObject(message) && kindOf(message) === "notification" ? notificationProgressToken(message) : undefined;
    const flow = token === undefined ? undefined : this.tokens.get(token);
    this.emit(flow && !flow.json ? flow : this.flows.get(0)!, line);
  }

  private answer(flow: Flow, key: string, line: string): void {
    flow.pending.delete(key);
    if (flow.json) flow.json.lines.push(line);
    else this.emit(flow, line);
    if (flow.pending.size > 0) return;
    this.flows.delete(flow.no);
    flow.json?.done(flow.json.lines);
    flow.sink?.end();
    flow.sink = undefined;
    this.armIdle();
  }

  private emit(flow: Flow, line: string): void {
    const { event, evicted } = this.events.append(flow.no, line);
    for (const old of evicted) {
      const owner = this.flows.get(old.stream);
      if (owner && old.seq > owner.delivered) this.config.log.warn(`session ${this.id}: replay log full, dropped an undelivered message of stream ${old.stream}`);
    }
    if (flow.sink?.send(messageEvent(flow.no, event.seq, line))) flow.delivered = event.seq;
  }

  private replay(flow: Flow, sink: SseSink, after: number): void {
    for (const event of this.events.after(flow.no, after)) {
      if (sink.send(messageEvent(event.stream, event.seq, event.data))) flow.delivered = event.seq;
    }
  }

  /** Makes `sink` the flow's one open response; a previous one is ended, not kept (not 409). */
  private attach(flow: Flow): SseSink {
    flow.sink?.end();
    const sink: SseSink = new SseSink({
      keepaliveMs: this.config.keepaliveMs,
      onGone: () => {
        if (flow.sink === sink) flow.sink = undefined;
        this.armIdle();
      },
    });
    flow.sink = sink;
    this.armIdle();
    return sink;
  }

  private busy(): boolean {
    for (const flow of this.flows.values()) if (flow.sink?.open || flow.json) return true;
    return false;
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.closing || this.busy()) return;
    this.idleTimer = setTimeout(() => void this.close(`idle for ${this.config.idleMs / 1000} s`), this.config.idleMs);
  }
}

function messageEvent(stream: number, seq: number, data: string): Uint8Array {
  return encodeEvent({ event: "message", id: formatEventId(stream, seq), data });
}

/**
 * The first bytes of every /mcp stream. Bun sends a streamed Response's headers only with its
 * first chunk, so a stream with nothing to say yet would leave the client waiting for them.
 * Primed (2025-11-25 and later): an id and no data, which clients record and skip, so a stream
 * that drops before its first message can still be resumed. Older clients would try to parse
 * that empty data as JSON, so they get a comment instead.
 */
function opening(stream: number, seq: number, prime: boolean): Uint8Array {
  return prime ? encodeEvent({ id: formatEventId(stream, seq), data: "" }) : encodeComment("stream open");
}
