import { describe, expect, test } from "bun:test";
import { HttpError } from "../../src/errors.ts";
import { field, parseRequestHead, parseResponseHead, tokens } from "../../src/forward/http-head.ts";

function statusOf(fn: () => unknown): { status: number; message: string } | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return { status: (error as HttpError).status, message: (error as HttpError).message };
  }
  return undefined;
}

describe("parseRequestHead", () => {
  test("reads method, target, version and fields in order, case kept, keys lower-cased, OWS trimmed", () => {
    const head = parseRequestHead("GET http://a.test/x?y HTTP/1.1\r\nHost: a.test\r\nX-Dup:  one \t\r\nx-dup:two\r\nEmpty:\r\n\r\n");
    expect(head).toEqual({
      method: "GET",
      target: "http://a.test/x?y",
      version: "HTTP/1.1",
      headers: [
        { name: "Host", key: "host", value: "a.test" },
        { name: "X-Dup", key: "x-dup", value: "one" },
        { name: "x-dup", key: "x-dup", value: "two" },
        { name: "Empty", key: "empty", value: "" },
      ],
    });
  });

  test("accepts HTTP/1.0 and bare-LF line ends (RFC 9112 §2.2)", () => {
    const head = parseRequestHead("GET http://a.test/ HTTP/1.0\nA: b\n\n");
    expect(head.version).toBe("HTTP/1.0");
    expect(head.headers).toEqual([{ name: "A", key: "a", value: "b" }]);
  });

  test("keeps obs-text (bytes 0x80-0xff) and HTAB inside values", () => {
    const head = parseRequestHead("GET http://a.test/ HTTP/1.1\r\nX: caf\xe9\tok\r\n\r\n");
    expect(head.headers[0]!.value).toBe("caf\xe9\tok");
  });

  const bad: [string, string][] = [
    ["obs-fold with a space", "GET http://a.test/ HTTP/1.1\r\nX: 1\r\n 2\r\n\r\n"],
    ["obs-fold with a tab", "GET http://a.test/ HTTP/1.1\r\nX: 1\r\n\t2\r\n\r\n"],
    ["whitespace before the colon", "GET http://a.test/ HTTP/1.1\r\nHost : a.test\r\n\r\n"],
    ["a tab before the colon", "GET http://a.test/ HTTP/1.1\r\nHost\t: a.test\r\n\r\n"],
    ["a field line without a colon", "GET http://a.test/ HTTP/1.1\r\nno colon here\r\n\r\n"],
    ["an empty field name", "GET http://a.test/ HTTP/1.1\r\n: v\r\n\r\n"],
    ["a non-token field name", "GET http://a.test/ HTTP/1.1\r\nX(y): v\r\n\r\n"],
    ["a bare CR in a field", "GET http://a.test/ HTTP/1.1\r\nX: a\rb\r\n\r\n"],
    ["a NUL in a value", "GET http://a.test/ HTTP/1.1\r\nX: a\0b\r\n\r\n"],
    ["a DEL in a value", "GET http://a.test/ HTTP/1.1\r\nX: a\x7fb\r\n\r\n"],
    ["a NUL in the target", "GET http://a.test/\0 HTTP/1.1\r\n\r\n"],
    ["a CR in the target", "GET http://a.test/\rx HTTP/1.1\r\n\r\n"],
    ["a tab in the target", "GET http://a.test/\tx HTTP/1.1\r\n\r\n"],
    ["two spaces in the request line", "GET  http://a.test/ HTTP/1.1\r\n\r\n"],
    ["a missing version", "GET http://a.test/\r\n\r\n"],
    ["HTTP/2.0", "GET http://a.test/ HTTP/2.0\r\n\r\n"],
    ["a lower-case version", "GET http://a.test/ http/1.1\r\n\r\n"],
    ["a non-token method", "G(T http://a.test/ HTTP/1.1\r\n\r\n"],
  ];
  for (const [what, text] of bad) {
    test(`refuses ${what} with 400`, () => {
      expect(statusOf(() => parseRequestHead(text))?.status).toBe(400);
    });
  }

  test("does not echo the offending input in its message", () => {
    const error = statusOf(() => parseRequestHead("GET http://a.test/ HTTP/1.1\r\nX-<script>: 1\r\n\r\n"));
    expect(error?.status).toBe(400);
    expect(error?.message).not.toContain("<script>");
  });
});

describe("parseResponseHead", () => {
  test("reads version, status, reason and fields", () => {
    expect(parseResponseHead("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")).toEqual({
      version: "HTTP/1.1",
      status: 404,
      reason: "Not Found",
      headers: [{ name: "Content-Length", key: "content-length", value: "0" }],
    });
  });

  test("accepts an empty reason, with or without the space, and HTTP/1.0", () => {
    expect(parseResponseHead("HTTP/1.1 204 \r\n\r\n").reason).toBe("");
    expect(parseResponseHead("HTTP/1.1 204\r\n\r\n").status).toBe(204);
    expect(parseResponseHead("HTTP/1.0 200 OK\r\n\r\n").version).toBe("HTTP/1.0");
  });

  for (const line of ["HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 abc OK", "HTTP/2 200 OK", "ICY 200 OK", "HTTP/1.1  200 OK", "", "garbage", "HTTP/1.1 200 O\0K"]) {
    test(`answers 502 to the status line ${JSON.stringify(line)}`, () => {
      expect(statusOf(() => parseResponseHead(`${line}\r\nA: b\r\n\r\n`))?.status).toBe(502);
    });
  }

  test("answers 502 to a malformed upstream field (whitespace before the colon)", () => {
    expect(statusOf(() => parseResponseHead("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n"))?.status).toBe(502);
  });
});

describe("tokens and field", () => {
  test("splits comma lists across fields, trims and lower-cases, skips empties", () => {
    const head = parseRequestHead("GET http://a/ HTTP/1.1\r\nConnection: Keep-Alive, X-A\r\nconnection: ,UPGRADE ,\r\nOther: no\r\n\r\n");
    expect(tokens(head.headers, "connection")).toEqual(["keep-alive", "x-a", "upgrade"]);
    expect(tokens(head.headers, "absent")).toEqual([]);
  });

  test("field() makes a field with its lookup key", () => {
    expect(field("Via", "1.1 mcp-proxy")).toEqual({ name: "Via", key: "via", value: "1.1 mcp-proxy" });
  });
});
