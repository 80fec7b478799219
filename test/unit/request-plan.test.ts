import { describe, expect, test } from "bun:test";
import { HttpError } from "../../src/errors.ts";
import { parseRequestHead } from "../../src/forward/http-head.ts";
import { planRequest, requestLogLine } from "../../src/forward/request-plan.ts";

const notSelf = () => false;
const head = (text: string) => parseRequestHead(text);

describe("planRequest", () => {
  test("plans a plain GET: kept alive, no body, keyed by host:port", () => {
    const plan = planRequest(head("GET http://a.test:81/x?q=1 HTTP/1.1\r\nHost: a.test:81\r\n\r\n"), notSelf);
    expect(plan).toMatchObject({ key: "a.test:81", keepAlive: true, upgrade: false, framing: { kind: "none" } });
    expect(plan.upstreamHead).toBe("GET /x?q=1 HTTP/1.1\r\nHost: a.test:81\r\nVia: 1.1 mcp-proxy\r\n\r\n");
  });

  test("keys a request for the proxy itself as self", () => {
    expect(planRequest(head("GET http://127.0.0.1:9/healthz HTTP/1.1\r\n\r\n"), () => true).key).toBe("self");
  });

  test("relays an upgrade and never keeps that connection for another request", () => {
    const plan = planRequest(head("GET http://a.test/ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"), notSelf);
    expect(plan).toMatchObject({ upgrade: true, keepAlive: false });
  });

  test("closes after an HTTP/1.0 request unless it asked for keep-alive", () => {
    expect(planRequest(head("GET http://a.test/ HTTP/1.0\r\n\r\n"), notSelf).keepAlive).toBe(false);
    expect(planRequest(head("GET http://a.test/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), notSelf).keepAlive).toBe(true);
  });

  test("refuses two Host fields and ambiguous framing with 400", () => {
    for (const text of [
      "GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n",
      "POST http://a.test/ HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET https://a.test/ HTTP/1.1\r\n\r\n",
    ]) {
      expect(() => planRequest(head(text), notSelf)).toThrow(HttpError);
    }
  });
});

describe("requestLogLine", () => {
  test("leaves the query string out unless verbose", () => {
    const h = head("GET http://a.test/p?token=secret HTTP/1.1\r\n\r\n");
    const target = planRequest(h, notSelf).target;
    expect(requestLogLine("127.0.0.1", h, target, 200, 5, 1.4, false)).toBe("127.0.0.1 GET a.test:80/p 200 5 B 1 ms");
    expect(requestLogLine("127.0.0.1", h, target, 0, 0, 2, true)).toBe("127.0.0.1 GET a.test:80/p?token=secret aborted 0 B 2 ms");
  });
});
