/**
 * Server-sent events encoding (WHATWG HTML §9.2 "Server-sent events"), the framing of the
 * MCP HTTP+SSE transport (2024-11-05): `event: endpoint` first, then `event: message` with one
 * JSON-RPC message per event, and `:` comments as keep-alives. /mcp streams (Streamable HTTP)
 * add an event id to each message and open with a priming event or a comment.
 *
 * Pure. Data containing line breaks becomes one `data:` line per line (the client joins them
 * with "\n"); an event name or comment with a line break would forge fields, so it throws.
 */

import { formatEventId } from "./event-log.ts";

const encoder = new TextEncoder();
const LINE_BREAK = /\r\n|\r|\n/;

export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

export function encodeEvent({ event, data, id }: SseEvent): Uint8Array {
  return encoder.encode(formatEvent({ event, data, id }));
}

export function formatEvent({ event, data, id }: SseEvent): string {
  let out = "";
  if (event !== undefined) out += `event: ${singleLine("event", event)}\n`;
  if (id !== undefined) out += `id: ${singleLine("id", id)}\n`;
  for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line (`: text`), which clients ignore: used as the keep-alive. */
export function encodeComment(text: string): Uint8Array {
  return encoder.encode(`: ${singleLine("comment", text)}\n\n`);
}

/** The first event of a session: where to POST messages (a relative URL). */
export function endpointEvent(path: string): Uint8Array {
  return encodeEvent({ event: "endpoint", data: path });
}

/** One JSON-RPC message from the child. */
export function messageEvent(json: string): Uint8Array {
  return encodeEvent({ event: "message", data: json });
}

/** One JSON-RPC message on /mcp stream `stream`, with its event id for resumption. */
export function streamMessage(stream: number, seq: number, json: string): Uint8Array {
  return encodeEvent({ event: "message", id: formatEventId(stream, seq), data: json });
}

/**
 * The first bytes of every /mcp stream. Bun completes a streamed Response's head only with its
 * first chunk, so a stream with nothing to say yet would leave the client waiting for it.
 * Primed (2025-11-25 and later): an id and no data, which clients record and skip, so a stream
 * that drops before its first message can still be resumed. Older clients would try to parse
 * that empty data as JSON, so they get a comment instead.
 */
export function streamOpening(stream: number, seq: number, prime: boolean): Uint8Array {
  return prime ? encodeEvent({ id: formatEventId(stream, seq), data: "" }) : encodeComment("stream open");
}

function singleLine(field: string, value: string): string {
  if (LINE_BREAK.test(value)) throw new Error(`SSE ${field} must not contain a line break`);
  return value;
}
