import { describe, expect, test } from "bun:test";
import type { Framing } from "../../src/forward/body-framer.ts";
import type { ResponseHead } from "../../src/forward/http-head.ts";
import { ResponseReader } from "../../src/forward/response-reader.ts";

/** Feeds `wire` to a reader in pieces of `size` bytes and records what the sink heard. */
function read(wire: string, size: number, method = "GET", decoded = false) {
  const events: string[] = [];
  let body = "";
  const reader = new ResponseReader(method, {
    interim: (head: ResponseHead) => void events.push(`interim ${head.status}`),
    switching: (head: ResponseHead, rest: Uint8Array) => void events.push(`switching ${head.status} ${new TextDecoder().decode(rest)}`),
    final: (head: ResponseHead, framing: Framing) => {
      events.push(`final ${head.status} ${framing.kind}`);
      return { decoded };
    },
    body: (bytes: Uint8Array) => void (body += new TextDecoder().decode(bytes)),
    complete: (extra: boolean) => void events.push(`complete${extra ? " +extra" : ""}`),
    fail: (status: number, message: string) => void events.push(`fail ${status} ${message}`),
    broken: () => void events.push("broken"),
  });
  const bytes = new TextEncoder().encode(wire);
  for (let at = 0; at < bytes.length; at += size) reader.feed(bytes.subarray(at, at + size));
  return { events, body, reader };
}

const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";

describe("ResponseReader", () => {
  for (const size of [1, 2, 7, 1000]) {
    test(`reads a chunked response fed ${size} byte(s) at a time, raw or decoded`, () => {
      const raw = read(chunked, size);
      expect(raw.events).toEqual(["final 200 chunked", "complete"]);
      expect(raw.body).toBe("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      expect(read(chunked, size, "GET", true).body).toBe("hello world");
    });
  }

  test("relays 100 Continue and reads on to the final response", () => {
    const { events, body } = read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 3);
    expect(events).toEqual(["interim 100", "final 201 length", "complete"]);
    expect(body).toBe("ok");
  });

  test("flags bytes past the framing so the connection is not reused", () => {
    expect(read("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", 100).events).toEqual(["final 200 length", "complete +extra"]);
  });

  test("expects no body for HEAD, 204 and 304", () => {
    expect(read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 100, "HEAD").events).toEqual(["final 200 none", "complete"]);
    expect(read("HTTP/1.1 204 No Content\r\n\r\n", 100).events).toEqual(["final 204 none", "complete"]);
    expect(read("HTTP/1.1 304 Not Modified\r\n\r\n", 100).events).toEqual(["final 304 none", "complete"]);
  });

  test("completes a close-delimited body only when the upstream closes cleanly", () => {
    const { events, reader } = read("HTTP/1.1 200 OK\r\n\r\npartial", 4);
    expect(events).toEqual(["final 200 close"]);
    expect(reader.closedCleanly()).toBe(true);
    expect(events).toEqual(["final 200 close", "complete"]);
  });

  test("hands a 101 and the bytes behind it to the caller", () => {
    expect(read("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nframe", 100).events).toEqual([
      "switching 101 frame",
    ]);
  });

  test("refuses a malformed status line, conflicting lengths and an endless head with 502", () => {
    expect(read("HTTP/1.1 2OO OK\r\n\r\n", 100).events[0]).toStartWith("fail 502");
    expect(read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 100).events[0]).toStartWith("fail 502");
    expect(read(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(70 * 1024)}`, 4096).events[0]).toBe("fail 502 bad response from upstream: head too large");
  });

  test("reports a broken chunked body", () => {
    expect(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100).events).toEqual(["final 200 chunked", "broken"]);
  });
});
