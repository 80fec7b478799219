import { describe, expect, test } from "bun:test";
import { encodeComment, endpointEvent, formatEvent, messageEvent } from "../../src/mcp/sse-writer.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("sse-writer", () => {
  test("encodes the endpoint event the MCP 2024-11-05 client waits for", () => {
    expect(text(endpointEvent("/messages?session_id=abc"))).toBe("event: endpoint\ndata: /messages?session_id=abc\n\n");
  });

  test("encodes one JSON-RPC message as one message event", () => {
    expect(text(messageEvent('{"id":1}'))).toBe('event: message\ndata: {"id":1}\n\n');
  });

  test("splits data with line breaks of every kind into one data line each, so no field can be forged", () => {
    expect(formatEvent({ data: "a\r\nb\rc\nevent: evil" })).toBe("data: a\ndata: b\ndata: c\ndata: event: evil\n\n");
  });

  test("writes an id when given", () => {
    expect(formatEvent({ event: "message", id: "7", data: "{}" })).toBe("event: message\nid: 7\ndata: {}\n\n");
  });

  test("rejects an event name or id with a line break instead of emitting a forged field", () => {
    expect(() => formatEvent({ event: "message\ndata: x", data: "" })).toThrow();
    expect(() => formatEvent({ event: "a\rb", data: "" })).toThrow();
    expect(() => formatEvent({ id: "1\n", data: "" })).toThrow();
  });

  test("encodes a keep-alive comment that clients ignore", () => {
    expect(text(encodeComment("ping"))).toBe(": ping\n\n");
    expect(() => encodeComment("a\nb")).toThrow();
  });
});
