/**
 * Pure: the heads that leave the proxy.
 *
 *   client request  → upstream: origin-form target, Host from the URI first, end-to-end
 *                     fields in order, Via last (RFC 9112 §3.2.2, RFC 9110 §7.6)
 *   upstream final  → client: end-to-end fields, our Connection decision, Via
 *   1xx / 101       → client: relayed as they are, minus hop-by-hop fields
 */
import { HttpError } from "../errors.ts";
import type { Framing } from "./body-framer.ts";
import { endToEnd, serializeHead, VIA } from "./headers.ts";
import { field, tokens, type RequestHead, type ResponseHead } from "./http-head.ts";
import type { HttpUrlTarget } from "./target.ts";

export function upstreamRequestHead(head: RequestHead, target: HttpUrlTarget, upgrade: boolean): string {
  const fields = endToEnd(head.headers, upgrade).filter((f) => f.key !== "host");
  if (upgrade) fields.push(field("Connection", "Upgrade"));
  return serializeHead(`${head.method} ${target.path} HTTP/1.1`, [field("Host", target.hostHeader), ...fields, field("Via", VIA)]);
}

export interface ClientResponse {
  head: string;
  /** The client connection closes after this response (and the head says so). */
  closeClient: boolean;
  /** The payload is sent plain for an HTTP/1.0 client that cannot read chunked. */
  dechunk: boolean;
}

export interface ClientSide {
  version: RequestHead["version"];
  keepAlive: boolean;
  /** Whether the request body has been read whole when the response head arrives. */
  requestDone: boolean;
}

/** Throws HttpError(502) for a response an HTTP/1.0 client could not read (see below). */
export function clientResponseHead(client: ClientSide, head: ResponseHead, framing: Framing): ClientResponse {
  // HTTP/1.0 has no transfer codings: chunked can be undone here, but a coding under it (gzip,
  // chunked) cannot be passed on unlabelled, and relabelling it Content-Encoding would change
  // what the representation is (RFC 9112 §6.1).
  if (client.version === "HTTP/1.0" && tokens(head.headers, "transfer-encoding").some((coding) => coding !== "chunked")) {
    throw new HttpError(502, "the upstream response uses a transfer coding an HTTP/1.0 client cannot read");
  }
  // A Content-Length next to Transfer-Encoding is ignored, and a sender must remove it before
  // forwarding (RFC 9112 §6.3 ¶3): a client that believed it would read the wrong body length.
  const hasTe = head.headers.some((f) => f.key === "transfer-encoding");
  const dechunk = framing.kind === "chunked" && client.version === "HTTP/1.0";
  const fields = endToEnd(head.headers).filter(
    (f) => !(hasTe && f.key === "content-length") && !(dechunk && f.key === "transfer-encoding"),
  );
  // Close when the client asked to, when only a close can end the body, or when the response
  // came before the request body was read (its rest would be taken for the next request).
  const closeClient = !client.keepAlive || framing.kind === "close" || dechunk || !client.requestDone;
  if (closeClient) fields.push(field("Connection", "close"));
  else if (client.version === "HTTP/1.0") fields.push(field("Connection", "keep-alive"));
  fields.push(field("Via", VIA));
  return { head: serializeHead(`HTTP/1.1 ${head.status} ${head.reason}`, fields), closeClient, dechunk };
}

/** 100 Continue and friends, for HTTP/1.1 clients (RFC 9110 §15.2). */
export function interimHead(head: ResponseHead): string {
  return serializeHead(`HTTP/1.1 ${head.status} ${head.reason}`, endToEnd(head.headers));
}

/** A 101 that switches the connection to the upgraded protocol. */
export function switchingHead(head: ResponseHead): string {
  return serializeHead(`HTTP/1.1 101 ${head.reason}`, [...endToEnd(head.headers, true), field("Connection", "Upgrade"), field("Via", VIA)]);
}
