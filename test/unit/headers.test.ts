import { describe, expect, test } from "bun:test";
import { HttpError } from "../../src/errors.ts";
import {
  clientKeepsAlive,
  endToEnd,
  requestFraming,
  responseFraming,
  serializeHead,
  upstreamKeepsAlive,
} from "../../src/forward/headers.ts";
import { parseRequestHead, parseResponseHead } from "../../src/forward/http-head.ts";
import { parseHttpUrl } from "../../src/forward/target.ts";

const req = (fields: string, version = "HTTP/1.1") => parseRequestHead(`POST http://a.test/ ${version}\r\n${fields}\r\n`);
const res = (status: string, fields = "", version = "HTTP/1.1") => parseResponseHead(`${version} ${status}\r\n${fields}\r\n`);
const names = (fields: { name: string }[]) => fields.map((f) => f.name);

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return (error as HttpError).status;
  }
  return undefined;
}

describe("endToEnd (RFC 9110 §7.6.1)", () => {
  test("removes every hop-by-hop field and every field Connection names, keeps the rest in order", () => {
    const head = req(
      "A: 1\r\nConnection: close, X-Named\r\nconnection: x-also\r\nX-Named: n\r\nX-ALSO: n\r\nProxy-Connection: keep-alive\r\n" +
        "Keep-Alive: 5\r\nTE: trailers\r\nTrailer: X\r\nUpgrade: ws\r\nProxy-Authorization: Basic x\r\nProxy-Authenticate: Basic\r\n" +
        "B: 2\r\nA: 3\r\nSet-Cookie: a\r\nSet-Cookie: b\r\nTransfer-Encoding: chunked\r\n",
    );
    expect(endToEnd(head.headers).map((f) => `${f.name}: ${f.value}`)).toEqual([
      "A: 1",
      "B: 2",
      "A: 3",
      "Set-Cookie: a",
      "Set-Cookie: b",
      "Transfer-Encoding: chunked",
    ]);
  });

  test("keeps Upgrade when relaying an upgrade, still drops Connection", () => {
    const head = req("Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n");
    expect(names(endToEnd(head.headers, true))).toEqual(["Upgrade", "Sec-WebSocket-Key"]);
    expect(names(endToEnd(head.headers))).toEqual(["Sec-WebSocket-Key"]);
  });

  test("a Connection that names Host removes it (the caller re-adds Host from the URI)", () => {
    const head = req("Host: a.test\r\nConnection: host\r\nX: y\r\n");
    expect(names(endToEnd(head.headers))).toEqual(["X"]);
  });

  test("a Connection that names Content-Length or Transfer-Encoding does not strip the framing (smuggling)", () => {
    const head = req("Connection: content-length, Transfer-Encoding\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n");
    expect(names(endToEnd(head.headers))).toEqual(["Content-Length", "Transfer-Encoding"]);
  });
});

describe("requestFraming (RFC 9112 §6.3)", () => {
  const ok: [string, string, unknown][] = [
    ["no framing fields", "", { kind: "none" }],
    ["Content-Length", "Content-Length: 42\r\n", { kind: "length", length: 42 }],
    ["Content-Length 0", "Content-Length: 0\r\n", { kind: "length", length: 0 }],
    ["chunked", "Transfer-Encoding: chunked\r\n", { kind: "chunked" }],
    ["gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n", { kind: "chunked" }],
    ["gzip then chunked over two fields", "Transfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n", { kind: "chunked" }],
  ];
  for (const [what, fields, framing] of ok) {
    test(`${what} → ${JSON.stringify(framing)}`, () => expect(requestFraming(req(fields))).toEqual(framing as never));
  }

  const bad: [string, string, string?][] = [
    ["CL with TE", "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"],
    ["two equal Content-Length", "Content-Length: 3\r\nContent-Length: 3\r\n"],
    ["Content-Length list", "Content-Length: 3, 3\r\n"],
    ["Content-Length 1,2", "Content-Length: 1,2\r\n"],
    ["Content-Length NaN", "Content-Length: abc\r\n"],
    ["Content-Length -1", "Content-Length: -1\r\n"],
    ["Content-Length +1", "Content-Length: +1\r\n"],
    ["Content-Length 1e3", "Content-Length: 1e3\r\n"],
    ["Content-Length empty", "Content-Length: \r\n"],
    ["Content-Length 16 digits", "Content-Length: 1234567890123456\r\n"],
    ["TE gzip", "Transfer-Encoding: gzip\r\n"],
    ["TE chunked, gzip", "Transfer-Encoding: chunked, gzip\r\n"],
    ["TE chunked twice", "Transfer-Encoding: chunked, chunked\r\n"],
    ["TE identity", "Transfer-Encoding: identity\r\n"],
    ["TE in HTTP/1.0", "Transfer-Encoding: chunked\r\n", "HTTP/1.0"],
  ];
  for (const [what, fields, version] of bad) {
    test(`refuses ${what} with 400`, () => expect(statusOf(() => requestFraming(req(fields, version)))).toBe(400));
  }
});

describe("responseFraming (RFC 9112 §6.3)", () => {
  test("no body for HEAD, 1xx, 204 and 304, whatever the fields say", () => {
    const withLength = "Content-Length: 10\r\n";
    expect(responseFraming("HEAD", res("200 OK", withLength))).toEqual({ kind: "none" });
    expect(responseFraming("GET", res("100 Continue"))).toEqual({ kind: "none" });
    expect(responseFraming("GET", res("103 Early Hints", withLength))).toEqual({ kind: "none" });
    expect(responseFraming("GET", res("204 No Content", withLength))).toEqual({ kind: "none" });
    expect(responseFraming("GET", res("304 Not Modified", withLength))).toEqual({ kind: "none" });
  });

  test("chunked last → chunked; another final coding → close; TE wins over CL", () => {
    expect(responseFraming("GET", res("200 OK", "Transfer-Encoding: chunked\r\n"))).toEqual({ kind: "chunked" });
    expect(responseFraming("GET", res("200 OK", "Transfer-Encoding: chunked, gzip\r\n"))).toEqual({ kind: "close" });
    expect(responseFraming("GET", res("200 OK", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"))).toEqual({ kind: "chunked" });
  });

  test("Content-Length → length; equal duplicates are one value; nothing → close", () => {
    expect(responseFraming("GET", res("200 OK", "Content-Length: 7\r\n"))).toEqual({ kind: "length", length: 7 });
    expect(responseFraming("GET", res("200 OK", "Content-Length: 7, 7\r\nContent-Length: 7\r\n"))).toEqual({ kind: "length", length: 7 });
    expect(responseFraming("GET", res("200 OK"))).toEqual({ kind: "close" });
    expect(responseFraming("POST", res("201 Created"))).toEqual({ kind: "close" });
  });

  for (const bad of ["Content-Length: 1,2\r\n", "Content-Length: 1\r\nContent-Length: 2\r\n", "Content-Length: x\r\n", "Content-Length: -1\r\n"]) {
    test(`answers 502 to ${JSON.stringify(bad)}`, () => expect(statusOf(() => responseFraming("GET", res("200 OK", bad)))).toBe(502));
  }
});

describe("keep-alive rules (RFC 9112 §9.3)", () => {
  test("client: HTTP/1.1 persists unless close; HTTP/1.0 only with keep-alive", () => {
    expect(clientKeepsAlive(req(""))).toBe(true);
    expect(clientKeepsAlive(req("Connection: close\r\n"))).toBe(false);
    expect(clientKeepsAlive(req("Connection: keep-alive, Close\r\n"))).toBe(false);
    expect(clientKeepsAlive(req("", "HTTP/1.0"))).toBe(false);
    expect(clientKeepsAlive(req("Connection: Keep-Alive\r\n", "HTTP/1.0"))).toBe(true);
  });

  test("upstream: same rules on the response", () => {
    expect(upstreamKeepsAlive(res("200 OK"))).toBe(true);
    expect(upstreamKeepsAlive(res("200 OK", "Connection: close\r\n"))).toBe(false);
    expect(upstreamKeepsAlive(res("200 OK", "", "HTTP/1.0"))).toBe(false);
    expect(upstreamKeepsAlive(res("200 OK", "Connection: keep-alive\r\n", "HTTP/1.0"))).toBe(true);
  });
});

test("serializeHead writes the first line, fields in order and the empty line", () => {
  expect(serializeHead("GET / HTTP/1.1", [{ name: "Host", value: "a" }, { name: "X", value: "" }])).toBe("GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n");
});

describe("parseHttpUrl: the Host the upstream gets (RFC 9112 §3.2.2)", () => {
  const cases: [string, { host: string; port: number; hostHeader: string; path: string }][] = [
    ["http://a.test/x?y=1", { host: "a.test", port: 80, hostHeader: "a.test", path: "/x?y=1" }],
    ["http://a.test:80/", { host: "a.test", port: 80, hostHeader: "a.test", path: "/" }],
    ["http://A.Test:8080", { host: "a.test", port: 8080, hostHeader: "a.test:8080", path: "/" }],
    ["http://[::1]:8080/p", { host: "::1", port: 8080, hostHeader: "[::1]:8080", path: "/p" }],
    ["http://[2001:db8::1]/", { host: "2001:db8::1", port: 80, hostHeader: "[2001:db8::1]", path: "/" }],
    ["http://user:pw@a.test:81/p#frag", { host: "a.test", port: 81, hostHeader: "a.test:81", path: "/p" }],
    ["HTTP://a.test?q", { host: "a.test", port: 80, hostHeader: "a.test", path: "/?q" }],
  ];
  for (const [url, expected] of cases) {
    test(url, () => expect(parseHttpUrl(url)).toEqual(expected));
  }

  for (const url of ["https://a.test/", "ftp://a.test/", "http://", "http://a.test:0/", "http://a.test:99999/", "http://::1/", "http://a b/", "//a.test/"]) {
    test(`refuses ${url} with 400`, () => expect(statusOf(() => parseHttpUrl(url))).toBe(400));
  }
});
