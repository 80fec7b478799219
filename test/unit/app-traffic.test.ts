import { describe, expect, test } from "bun:test";
import { AppTraffic, type AppTrafficState } from "../../src/front/app-traffic.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `text` in `size`-byte pieces; returns the states seen after each piece. */
function feedInPieces(traffic: AppTraffic, side: "client" | "app", text: string, size: number): AppTrafficState[] {
  const seen: AppTrafficState[] = [];
  const all = bytes(text);
  for (let i = 0; i < all.length; i += size) {
    const piece = all.subarray(i, i + size);
    if (side === "client") traffic.fromClient(piece);
    else traffic.fromApp(piece);
    seen.push(traffic.state);
  }
  return seen;
}

const getHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
const post = "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n{}\r\n";
const sseHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

describe("AppTraffic", () => {
  for (const size of [1, 3, 1000]) {
    test(`a request and its answer, ${size} byte(s) at a time: head → busy → idle`, () => {
      const traffic = new AppTraffic();
      const up = feedInPieces(traffic, "client", getHealthz, size);
      if (size < getHealthz.length) expect(up[0]).toBe("head");
      expect(up.at(-1)).toBe("busy");
      const down = feedInPieces(traffic, "app", ok, size);
      expect(down.slice(0, -1).every((state) => state === "busy")).toBe(true);
      expect(down.at(-1)).toBe("idle");
    });

    test(`a request body and a chunked stream, ${size} byte(s) at a time, stay busy until the last chunk`, () => {
      const traffic = new AppTraffic();
      feedInPieces(traffic, "client", post, size);
      expect(traffic.state).toBe("busy");
      const stream = `${sseHead}7\r\n: ping\n\r\n5\r\ndata\n\r\n`;
      expect(feedInPieces(traffic, "app", stream, size).every((state) => state === "busy")).toBe(true);
      feedInPieces(traffic, "app", "0\r\n\r\n", size);
      expect(traffic.state).toBe("idle");
    });
  }

  test("a request body still coming is body (the idle clock runs between its bytes), then busy once it is in", () => {
    const changes: AppTrafficState[] = [];
    const traffic = new AppTraffic((state) => changes.push(state));
    traffic.fromClient(bytes("POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n{}"));
    expect(traffic.state).toBe("body");
    expect(traffic.unanswered).toBe(true);
    traffic.fromClient(bytes("\r\n"));
    expect(traffic.state).toBe("busy");
    expect(changes).toEqual(["body", "busy"]);
    traffic.fromApp(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"));
    expect(traffic.unanswered).toBe(false);
    traffic.fromApp(bytes("ok"));
    expect(traffic.state).toBe("idle");
    expect(traffic.unanswered).toBe(false);
  });

  test("pipelined requests are answered in order; HEAD, 204 and 1xx carry no body", () => {
    const traffic = new AppTraffic();
    traffic.fromClient(bytes(`HEAD / HTTP/1.1\r\n\r\nDELETE /mcp HTTP/1.1\r\n\r\n${getHealthz}`));
    traffic.fromApp(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"));
    expect(traffic.state).toBe("busy");
    traffic.fromApp(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"));
    expect(traffic.state).toBe("busy");
    traffic.fromApp(bytes(ok));
    expect(traffic.state).toBe("idle");
  });

  test("a response without framing is busy until the connection closes", () => {
    const traffic = new AppTraffic();
    traffic.fromClient(bytes(getHealthz));
    traffic.fromApp(bytes("HTTP/1.1 200 OK\r\n\r\nanything"));
    expect(traffic.state).toBe("busy");
  });

  test("reports changes only, and a message it cannot frame as broken", () => {
    const changes: AppTrafficState[] = [];
    const traffic = new AppTraffic((state) => changes.push(state));
    traffic.fromClient(bytes("GET /"));
    traffic.fromClient(bytes(" HTTP/1.1\r\n"));
    traffic.fromClient(bytes("Content-Length: nope\r\n\r\n"));
    traffic.fromClient(bytes(getHealthz));
    expect(changes).toEqual(["head", "broken"]);
  });
});
