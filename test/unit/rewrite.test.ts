import { describe, expect, test } from "bun:test";
import { HttpError } from "../../src/errors.ts";
import { parseRequestHead, parseResponseHead } from "../../src/forward/http-head.ts";
import { clientResponseHead, upstreamRequestHead } from "../../src/forward/rewrite.ts";
import { parseHttpUrl } from "../../src/forward/target.ts";

const response = (text: string) => parseResponseHead(text);

describe("heads leaving the proxy", () => {
  test("the upstream request puts Host first and Via last, and keeps Upgrade only for an upgrade", () => {
    const head = parseRequestHead("GET http://a.test:8080/x HTTP/1.1\r\nHost: wrong\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-A: 1\r\n\r\n");
    const target = parseHttpUrl(head.target);
    expect(upstreamRequestHead(head, target, false)).toBe("GET /x HTTP/1.1\r\nHost: a.test:8080\r\nX-A: 1\r\nVia: 1.1 mcp-proxy\r\n\r\n");
    expect(upstreamRequestHead(head, target, true)).toBe(
      "GET /x HTTP/1.1\r\nHost: a.test:8080\r\nUpgrade: websocket\r\nX-A: 1\r\nConnection: Upgrade\r\nVia: 1.1 mcp-proxy\r\n\r\n",
    );
  });

  test("a chunked response to an HTTP/1.0 client is de-chunked and ends with a close", () => {
    const head = response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    const out = clientResponseHead({ version: "HTTP/1.0", keepAlive: true, requestDone: true }, head, { kind: "chunked" });
    expect(out).toEqual({ head: "HTTP/1.1 200 OK\r\nConnection: close\r\nVia: 1.1 mcp-proxy\r\n\r\n", closeClient: true, dechunk: true });
  });

  test("a response with a transfer coding under chunked is refused for an HTTP/1.0 client, not passed on unlabelled", () => {
    const head = response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    expect(() => clientResponseHead({ version: "HTTP/1.0", keepAlive: false, requestDone: true }, head, { kind: "chunked" })).toThrow(HttpError);
    const kept = clientResponseHead({ version: "HTTP/1.1", keepAlive: true, requestDone: true }, head, { kind: "chunked" });
    expect(kept.head).toContain("Transfer-Encoding: gzip, chunked\r\n");
  });

  test("a response that arrives before the request body is read closes the client connection", () => {
    const head = response("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
    const out = clientResponseHead({ version: "HTTP/1.1", keepAlive: true, requestDone: false }, head, { kind: "length", length: 0 });
    expect(out.closeClient).toBe(true);
    expect(out.head).toContain("Connection: close\r\n");
  });

  test("a Content-Length beside Transfer-Encoding is removed before forwarding", () => {
    const head = response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
    const out = clientResponseHead({ version: "HTTP/1.1", keepAlive: true, requestDone: true }, head, { kind: "chunked" });
    expect(out.head).not.toContain("Content-Length");
  });
});
