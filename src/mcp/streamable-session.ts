/**
 * One /mcp client session ⇄ one child (Streamable HTTP, MCP 2025-03-26 to 2025-11-25): the
 * child's lifecycle, the session's HTTP responses, and its replay log. Which flow a child
 * message belongs to is the Router's call (router.ts).
 *
 *   POST with requests ─▶ router.open() ─▶ flow n ≥ 1, answered by stream() or collect()
 *   child line ─▶ router.route() ─▶ EventLog (id `<flow>-<seq>`) ─▶ the flow's open response, if any
 *   GET ─▶ flow 0, or a resumption of flow n after Last-Event-ID
 *
 * A flow outlives its HTTP response: if the client drops it, later events wait in the log for
 * a GET with Last-Event-ID. Flow 0 never ends; while no GET is open, the log is its queue.
 * Idle (no open response, no request) for idleMs, the child is stopped.
 * Client messages are queued for the child's bounded stdin (stdin-writer.ts): a POST is never
 * held until the child reads; a child that stops reading ends the session, and each request
 * still waiting gets a JSON-RPC error (-32603) on its response.
 */
import { HttpError, JsonRpcHttpError } from "../errors.ts";
import { IdleClock } from "./idle-clock.ts";
import { ChildLink, type LinkConfig, type LinkInfo } from "./child-link.ts";
import { parseEventId } from "./event-log.ts";
import { FlowReplay, type Flow } from "./flow-replay.ts";
import type { Incoming } from "./incoming.ts";
import type { JsonLine } from "./line-reader.ts";
import { unansweredLine } from "./jsonrpc.ts";
import { GET_FLOW, Router } from "./router.ts";
import { SseSink } from "./sse-sink.ts";
import { StdinClosedError } from "./stdin-writer.ts";
import { streamOpening } from "./sse-writer.ts";

export interface StreamableConfig extends LinkConfig {
  keepaliveMs: number;
  /** No open response and no request for this long → the session is closed. */
  idleMs: number;
}

/** How long a POST response waits for its first message before its head goes out alone. */
const OPENING_WAIT_MS = 10;


export class StreamableSession {
  private readonly link: ChildLink;
  private readonly router = new Router();
  private readonly flows = new Map<number, Flow>();
  private readonly events: FlowReplay;
  private readonly idle: IdleClock;
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
    this.events = new FlowReplay(this.flows, (message) => config.log.warn(`session ${id}: ${message}`));
    this.flows.set(GET_FLOW, { no: GET_FLOW, sink: undefined, delivered: 0 });
    this.idle = new IdleClock(config.idleMs, () => this.busy(), () => void this.close(`idle for ${config.idleMs / 1000} s`));
  }

  get pid(): number {
    return this.link.pid;
  }

  info(): LinkInfo {
    return this.link.info();
  }

  /** What the child's InitializeResult negotiated. */
  get protocolVersion(): string | undefined {
    return this.router.protocolVersion;
  }

  /** A request arrived: the idle clock starts again. */
  touch(): void {
    this.idle.touch();
  }

  /**
   * Notifications and responses only: queued for the child, nothing comes back on this POST.
   * Resolves once queued (at once, unless the stdin buffer is full); `signal` is the client's,
   * and a client that leaves while it waits for room takes its messages with it.
   */
  async accept(incoming: Incoming[], signal?: AbortSignal): Promise<void> {
    await this.write(incoming, signal);
  }

  /**
   * Requests: an SSE response carrying what relates to them, ending after their responses.
   * Resolves once its first message is there (or OPENING_WAIT_MS passed), so that a quick
   * answer goes out with the head as one complete body (see SseSink.body).
   */
  async stream(incoming: Incoming[], prime: boolean): Promise<SseSink> {
    const flow = this.register(incoming, false);
    // The child gets the request first, and the response is set up while it works: its answer
    // cannot be read before this function yields. The write is not awaited: while the stdin
    // buffer is full the head still goes out, and what becomes of the request (an answer, or
    // an error when the session ends) arrives on this response.
    this.writeRequests(incoming);
    const sink = this.attach(flow);
    await sink.hold(streamOpening(flow.no, this.events.lastSeq, prime), OPENING_WAIT_MS);
    return sink;
  }

  /**
   * Requests, --json-response: their responses as JSON lines, once all have arrived. Once
   * `signal` (the client's) aborts, the flow no longer keeps the session from being idle:
   * nobody is left to take its answer.
   */
  async collect(incoming: Incoming[], signal?: AbortSignal): Promise<string[]> {
    const flow = this.register(incoming, true);
    const json: NonNullable<Flow["json"]> = { lines: [], done: () => {}, waiting: true };
    const answered = new Promise<string[]>((done) => (json.done = done));
    flow.json = json;
    signal?.addEventListener(
      "abort",
      () => {
        json.waiting = false;
        this.idle.touch();
      },
      { once: true },
    );
    this.writeRequests(incoming);
    return answered;
  }

  /** GET: the standalone stream (replacing any open one), or a resumption after Last-Event-ID. */
  open(lastEventId: string | null, prime: boolean): SseSink {
    if (lastEventId === null) {
      const flow = this.flows.get(GET_FLOW)!;
      const sink = this.attach(flow);
      sink.send(streamOpening(GET_FLOW, flow.delivered, prime));
      this.events.replay(flow, sink, flow.delivered);
      return sink;
    }
    const last = parseEventId(lastEventId);
    if (!last || !this.router.issued(last.stream)) throw new JsonRpcHttpError(400, "Bad Request: Last-Event-ID is not an event id of this session");
    const flow = this.flows.get(last.stream);
    if (flow) {
      const sink = this.attach(flow);
      sink.send(streamOpening(flow.no, last.seq, false));
      this.events.replay(flow, sink, last.seq);
      return sink;
    }
    // The flow is over: replay what its client missed, then end.
    return this.events.replayEnded(last.stream, last.seq, this.config.keepaliveMs);
  }

  close(reason: string): Promise<void> {
    return (this.closing ??= this.shutdown(reason));
  }

  // --- internal ---

  private async shutdown(reason: string): Promise<void> {
    this.idle.stop();
    this.onClose(this);
    await this.link.stop();
    // Whatever is unanswered now never will be: every waiting client gets an error (-32603).
    for (const { flow, key, last } of this.router.abandon()) this.answer(flow, unansweredLine(key, reason), last);
    for (const flow of this.flows.values()) flow.sink?.end();
    this.link.logClosed(reason);
  }

  private register(incoming: Incoming[], json: boolean): Flow {
    if (this.closing) throw new JsonRpcHttpError(404, "Session not found: it has ended", -32001);
    const flow: Flow = { no: this.router.open(incoming, json), sink: undefined, delivered: 0 };
    this.flows.set(flow.no, flow);
    this.idle.touch();
    return flow;
  }

  /**
   * Requests whose flow is registered: if the child cannot take them (it exited right after
   * starting, say), the session ends and shutdown() answers each with -32603, on the response
   * the client is already waiting for, instead of a 404 for a session it was just given.
   */
  private writeRequests(incoming: Incoming[]): void {
    this.write(incoming).catch(() => void this.close("child closed stdin"));
  }

  /** Queues the messages for the child: 503 if it stopped reading its stdin, 404 if the session is over. */
  private async write(incoming: Incoming[], signal?: AbortSignal): Promise<void> {
    try {
      if (this.closing) throw new Error("closing");
      await this.link.send(
        incoming.map(({ line }) => line),
        signal,
      );
    } catch (error) {
      if (error instanceof StdinClosedError && error.stalled) throw new JsonRpcHttpError(503, `${error.message}: the session has ended`);
      throw new HttpError(404, "Session not found: it has ended");
    }
  }

  /** A child line, wherever the router sends it. */
  private route({ text: line, message }: JsonLine): void {
    const route = this.router.route(message);
    if (route.to === "nowhere") {
      this.config.log.warn(`session ${this.id}: the child answered request id ${route.key}, which nothing waits for; dropped`);
    } else if (route.to === "response") {
      this.answer(route.flow, line, route.last);
    } else {
      this.events.emit(this.flows.get(route.flow)!, line);
    }
  }

  /** A response (or our error in its place) for `flowNo`; the last one ends the flow. */
  private answer(flowNo: number, line: string, last: boolean): void {
    const flow = this.flows.get(flowNo)!;
    if (flow.json) flow.json.lines.push(line);
    else this.events.emit(flow, line);
    if (!last) return;
    this.flows.delete(flow.no);
    flow.json?.done(flow.json.lines);
    flow.sink?.end();
    flow.sink = undefined;
    this.idle.touch();
  }

  /** Makes `sink` the flow's one open response; a previous one is ended, not kept (not 409). */
  private attach(flow: Flow): SseSink {
    flow.sink?.end();
    const sink: SseSink = new SseSink({
      keepaliveMs: this.config.keepaliveMs,
      onGone: () => {
        if (flow.sink === sink) flow.sink = undefined;
        this.idle.touch();
      },
    });
    flow.sink = sink;
    this.idle.touch();
    return sink;
  }

  private busy(): boolean {
    for (const flow of this.flows.values()) if (flow.sink?.open || flow.json?.waiting) return true;
    return false;
  }
}
