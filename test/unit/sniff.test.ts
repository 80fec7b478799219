import { describe, expect, test } from "bun:test";
import { sniff, type Sniffed } from "../../src/forward/sniff.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `text` one byte at a time, as a slow client would, and returns the first decision. */
function sniffByteByByte(text: string): Sniffed {
  const all = bytes(text);
  for (let end = 1; end <= all.length; end++) {
    const result = sniff(all.subarray(0, end), undefined, Math.max(0, end - 4));
    if (result.kind !== "incomplete") return result;
  }
  return { kind: "incomplete" };
}

describe("sniff", () => {
  test("routes CONNECT once the whole head is in, with the head length", () => {
    const head = "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n";
    const result = sniff(bytes(`${head}early`));
    expect(result).toMatchObject({ kind: "connect", headLength: head.length, target: "example.test:443" });
  });

  test("waits for the empty line before deciding a CONNECT", () => {
    expect(sniff(bytes("CONNECT a:1 HTTP/1.1\r\nHost: a\r\n")).kind).toBe("incomplete");
  });

  test("decides the same when fed one byte at a time", () => {
    const head = "CONNECT a.test:8443 HTTP/1.1\r\nUser-Agent: x\r\n\r\n";
    expect(sniffByteByByte(head)).toMatchObject({ kind: "connect", headLength: head.length });
    expect(sniffByteByByte("GET /sse HTTP/1.1\r\n")).toEqual({ kind: "origin" });
    expect(sniffByteByByte("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n")).toMatchObject({ kind: "absolute" });
  });

  test("accepts bare LF line ends (RFC 9112 §2.2)", () => {
    const head = "CONNECT a:1 HTTP/1.1\nHost: a\n\n";
    expect(sniff(bytes(`${head}x`))).toMatchObject({ kind: "connect", headLength: head.length });
  });

  test("sends origin-form requests to the app on the request line alone", () => {
    expect(sniff(bytes("GET /healthz HTTP/1.1\r\n"))).toEqual({ kind: "origin" });
    expect(sniff(bytes("OPTIONS * HTTP/1.1\r\n"))).toEqual({ kind: "origin" });
  });

  test("recognises absolute-form targets of any scheme", () => {
    expect(sniff(bytes("GET http://a.test/x HTTP/1.1\r\n\r\n"))).toMatchObject({ kind: "absolute" });
    expect(sniff(bytes("GET https://a.test/x HTTP/1.1\r\n\r\n"))).toMatchObject({ kind: "absolute" });
  });

  test("refuses a non-token first byte at once (TLS ClientHello)", () => {
    expect(sniff(new Uint8Array([0x16, 0x03, 0x01]))).toMatchObject({ kind: "invalid", status: 400 });
  });

  for (const line of [
    "BIG FART / HTTP/1.1",
    "GET / HTTP/2.0",
    "GET  / HTTP/1.1",
    "GET /\x00 HTTP/1.1",
    "GET / HTTP/1.1 extra",
    " GET / HTTP/1.1",
    "GET example.test HTTP/1.1",
  ]) {
    test(`refuses the request line ${JSON.stringify(line)} with 400`, () => {
      expect(sniff(bytes(`${line}\r\n\r\n`))).toMatchObject({ kind: "invalid", status: 400 });
    });
  }

  test("waits while the request line is still coming, whichever part it is in", () => {
    for (const partial of ["", "C", "CONNECT", "CONNECT ", "CONNECT a:1", "CONNECT a:1 ", "CONNECT a:1 HTTP/1.1", "CONNECT a:1 HTTP/1.1\r"]) {
      expect(sniff(bytes(partial))).toEqual({ kind: "incomplete" });
    }
  });

  test("a refused line is refused the same way when fed one byte at a time", () => {
    for (const line of ["GET  / HTTP/1.1", "GET / HTTP/1.1 extra", "GET /\x7f HTTP/1.1", "GET / HTTP/1.2", "OPTIONS ** HTTP/1.1"]) {
      expect(sniffByteByByte(`${line}\r\n\r\n`)).toMatchObject({ kind: "invalid", status: 400 });
    }
  });

  test("reads the scheme of an absolute-form target byte by byte, as RFC 3986 spells it", () => {
    expect(sniff(bytes("GET git+ssh.x-1://a/ HTTP/1.1\r\n\r\n"))).toMatchObject({ kind: "absolute" });
    expect(sniff(bytes("GET 1http://a/ HTTP/1.1\r\n\r\n"))).toMatchObject({ kind: "invalid", status: 400 });
    expect(sniff(bytes("GET http:/a HTTP/1.1\r\n\r\n"))).toMatchObject({ kind: "invalid", status: 400 });
    // Host-less: absolute all the same; parsing the URL refuses it (forward-session answers 400).
    expect(sniff(bytes("GET http:// HTTP/1.1\r\n\r\n"))).toMatchObject({ kind: "absolute" });
  });

  test("keeps bytes past 0x7f in a target (a server may refuse them, the sniff does not)", () => {
    const head = new Uint8Array([...bytes("CONNECT a"), 0xe9, ...bytes(":1 HTTP/1.1\r\n\r\n")]);
    expect(sniff(head)).toMatchObject({ kind: "connect", target: "a\u00e9:1" });
  });

  test("answers 414 past the request-line cap and 431 past the head cap", () => {
    expect(sniff(bytes("GET /aaaaaaaaaa"), { maxLine: 8, maxHead: 64 })).toMatchObject({ status: 414 });
    expect(sniff(bytes(`CONNECT a:1 HTTP/1.1\r\nX: ${"y".repeat(80)}`), { maxLine: 64, maxHead: 64 })).toMatchObject({ status: 431 });
  });
});
