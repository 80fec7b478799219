/**
 * Where a Streamable HTTP session's child → client messages go. Pure: flow numbers in,
 * flow numbers out; the session owns the HTTP responses behind them.
 *
 *   open(POST's requests) ─▶ a new flow n ≥ 1 that holds their ids and progress tokens
 *   route(child line):
 *     a response ─▶ the flow holding its id (never flow 0, never two flows); `last` ends that flow
 *     a notification with an open request's progress token ─▶ that request's flow
 *     anything else (server requests, list_changed, logging) ─▶ flow 0, the GET stream
 *     a response that nothing waits for ─▶ nowhere
 *
 * Progress for a --json-response flow also goes to flow 0: a JSON body carries responses only.
 */
import { JsonRpcHttpError } from "../errors.ts";
import type { Incoming } from "./incoming.ts";
import { INVALID_REQUEST, idKey, isInitialize, isObject, kindOf, notificationProgressToken, requestProgressToken } from "./jsonrpc.ts";

/** The GET stream's flow, which never ends. */
export const GET_FLOW = 0;

export type Route =
  /** `key` answered; `last` when it was the last request its flow waited for (the flow is over). */
  | { to: "response"; flow: number; key: string; last: boolean }
  | { to: "event"; flow: number }
  | { to: "nowhere"; key: string };

interface OpenFlow {
  /** Keys of the requests whose responses this flow still waits for. */
  pending: Set<string>;
  json: boolean;
}

export class Router {
  /** What the child's InitializeResult negotiated. */
  protocolVersion: string | undefined;
  private readonly flows = new Map<number, OpenFlow>();
  private readonly requests = new Map<string, { flow: number; token: string | undefined }>();
  private readonly tokens = new Map<string, number>();
  private nextFlow = GET_FLOW + 1;
  private initKey: string | undefined;

  /** True for a flow number this router has handed out (the GET stream's included). */
  issued(flow: number): boolean {
    return flow < this.nextFlow;
  }

  /** True while `flow` waits for responses (always true for the GET stream). */
  isOpen(flow: number): boolean {
    return flow === GET_FLOW || this.flows.has(flow);
  }

  /**
   * A new flow for the requests in `incoming` (a POST that has some). 400 if one reuses an id
   * still in flight: JSON-RPC forbids it within a session, and routing by id depends on it.
   */
  open(incoming: Incoming[], json: boolean): number {
    const pending = new Set<string>();
    for (const { message, kind } of incoming) {
      if (kind !== "request") continue;
      const key = idKey(message.id);
      if (this.requests.has(key) || pending.has(key)) throw new JsonRpcHttpError(400, `Bad Request: request id ${key} is already in use`, INVALID_REQUEST);
      pending.add(key);
    }
    const flow = this.nextFlow++;
    for (const { message, kind } of incoming) {
      if (kind !== "request") continue;
      const key = idKey(message.id);
      const token = requestProgressToken(message);
      this.requests.set(key, { flow, token });
      if (token) this.tokens.set(token, flow);
      if (isInitialize(message)) this.initKey = key;
    }
    this.flows.set(flow, { pending, json });
    return flow;
  }

  /** One message from the child's stdout, as the line reader parsed it. */
  route(message: unknown): Route {
    if (!isObject(message)) return { to: "event", flow: GET_FLOW };
    const kind = kindOf(message);
    if (kind === "response") {
      const key = idKey(message.id);
      const request = this.requests.get(key);
      if (!request) return { to: "nowhere", key };
      if (key === this.initKey && isObject(message.result) && typeof message.result.protocolVersion === "string") {
        this.protocolVersion = message.result.protocolVersion;
      }
      return { to: "response", flow: request.flow, key, last: this.settle(key) };
    }
    const token = kind === "notification" ? notificationProgressToken(message) : undefined;
    const flow = token === undefined ? undefined : this.tokens.get(token);
    return { to: "event", flow: flow !== undefined && !this.flows.get(flow)?.json ? flow : GET_FLOW };
  }

  /** Every request still waiting, in the order they were sent, each settled as if answered. */
  abandon(): Extract<Route, { to: "response" }>[] {
    return [...this.requests].map(([key, { flow }]) => ({ to: "response", flow, key, last: this.settle(key) }));
  }

  /** Forgets an answered request; true if its flow has nothing left to wait for (and is over). */
  private settle(key: string): boolean {
    const request = this.requests.get(key)!;
    this.requests.delete(key);
    if (request.token) this.tokens.delete(request.token);
    const open = this.flows.get(request.flow)!;
    open.pending.delete(key);
    if (open.pending.size > 0) return false;
    this.flows.delete(request.flow);
    return true;
  }
}
