import { describe, expect, test } from "bun:test";
import { BodyFramer, FramingError, type Framing } from "../../src/forward/body-framer.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (parts: Uint8Array[]) => Buffer.concat(parts).toString("latin1");

interface Run {
  /** Bytes the framer said were body, in total. */
  taken: number;
  /** Decoded payload handed to onData. */
  payload: string;
  done: boolean;
  /** What was left over (not body) from the pieces, in order. */
  rest: string;
}

/** Feeds `pieces` in order the way a connection does: leftovers are not body and stop the feed of that piece. */
function run(framing: Framing, pieces: Uint8Array[]): Run {
  const payload: Uint8Array[] = [];
  const framer = new BodyFramer(framing, (d) => payload.push(d.slice()));
  let taken = 0;
  const rest: Uint8Array[] = [];
  for (const piece of pieces) {
    const n = framer.feed(piece);
    expect(n).toBeGreaterThanOrEqual(0);
    expect(n).toBeLessThanOrEqual(piece.length);
    taken += n;
    if (n < piece.length) rest.push(piece.subarray(n));
  }
  return { taken, payload: dec(payload), done: framer.done, rest: dec(rest) };
}

/** Every way to cut `bytes` into two pieces, plus one byte at a time. */
function splits(bytes: Uint8Array): [string, Uint8Array[]][] {
  const out: [string, Uint8Array[]][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([`split at ${i}`, [bytes.subarray(0, i), bytes.subarray(i)]]);
  out.push(["one byte at a time", [...bytes].map((b) => new Uint8Array([b]))]);
  return out;
}

describe("BodyFramer: none and length", () => {
  test("none is done at once and takes nothing", () => {
    const framer = new BodyFramer({ kind: "none" });
    expect(framer.done).toBe(true);
    expect(framer.feed(enc("GET / HTTP/1.1\r\n"))).toBe(0);
  });

  test("length 0 is done at once", () => {
    const framer = new BodyFramer({ kind: "length", length: 0 });
    expect(framer.done).toBe(true);
    expect(framer.feed(enc("x"))).toBe(0);
  });

  test("length N takes exactly N bytes across every split and leaves the next request alone", () => {
    const bytes = enc("0123456789GET http://next/ HTTP/1.1\r\n\r\n");
    for (const [name, pieces] of splits(bytes)) {
      const r = run({ kind: "length", length: 10 }, pieces);
      expect({ name, ...r }).toEqual({ name, taken: 10, payload: "0123456789", done: true, rest: "GET http://next/ HTTP/1.1\r\n\r\n" });
    }
  });

  test("length N is not done before N bytes", () => {
    const r = run({ kind: "length", length: 10 }, [enc("01234")]);
    expect(r).toEqual({ taken: 5, payload: "01234", done: false, rest: "" });
  });

  test("close takes everything and is never done by itself", () => {
    const r = run({ kind: "close" }, [enc("abc"), enc("def")]);
    expect(r).toEqual({ taken: 6, payload: "abcdef", done: false, rest: "" });
  });
});

describe("BodyFramer: chunked", () => {
  const cases: [string, string, string][] = [
    ["one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"],
    ["empty body", "0\r\n\r\n", ""],
    ["extensions and trailers", "5;name=val;q=\"a b\"\r\nhello\r\n6\r\n world\r\n0;last\r\nX-Trailer: t\r\nY: 2\r\n\r\n", "hello world"],
    ["hex sizes, upper and lower, leading zeros", "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n000\r\n\r\n", "0123456789abcdefghijk"],
    ["data containing CRLF and 0\\r\\n\\r\\n", "9\r\n0\r\n\r\nabcd\r\n0\r\n\r\n", "0\r\n\r\nabcd"],
    ["BWS before an extension", "3 ;a=b\r\nabc\r\n0\r\n\r\n", "abc"],
  ];
  const next = "POST http://next.test/ HTTP/1.1\r\n\r\n";
  for (const [what, message, payload] of cases) {
    test(`${what}: complete at the right byte for every split and one byte at a time`, () => {
      const bytes = enc(message + next);
      for (const [name, pieces] of splits(bytes)) {
        const r = run({ kind: "chunked" }, pieces);
        expect({ name, ...r }).toEqual({ name, taken: message.length, payload, done: true, rest: next });
      }
    });

    test(`${what}: not done one byte short of the end`, () => {
      const r = run({ kind: "chunked" }, [enc(message.slice(0, -1))]);
      expect(r.done).toBe(false);
      expect(r.taken).toBe(message.length - 1);
    });
  }

  const bad: [string, string][] = [
    ["no size", "\r\nhello\r\n0\r\n\r\n"],
    ["a non-hex size", "g\r\nhello\r\n0\r\n\r\n"],
    ["a 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"],
    ["junk after the size", "5xyz\r\nhello\r\n0\r\n\r\n"],
    ["a negative size", "-5\r\nhello\r\n0\r\n\r\n"],
    ["a bare LF after the size", "5\nhello\r\n0\r\n\r\n"],
    ["a bare LF in an extension", "5;a\nb\r\nhello\r\n0\r\n\r\n"],
    ["a NUL in an extension", "5;a\0\r\nhello\r\n0\r\n\r\n"],
    ["data longer than its size", "3\r\nhello\r\n0\r\n\r\n"],
    ["data without CRLF after it", "5\r\nhello0\r\n\r\n"],
    ["data followed by a bare LF", "5\r\nhello\n0\r\n\r\n"],
    ["a size over 13 hex digits", "10000000000000\r\n"],
    ["a bare LF in a trailer", "0\r\nX: y\n\r\n"],
    ["a trailer section ended by a bare LF", "0\r\n\n"],
  ];
  for (const [what, message] of bad) {
    test(`refuses ${what}, whatever the split`, () => {
      for (const [name, pieces] of splits(enc(message))) {
        const framer = new BodyFramer({ kind: "chunked" });
        let error: unknown;
        try {
          for (const piece of pieces) framer.feed(piece);
        } catch (e) {
          error = e;
        }
        expect({ name, error: error instanceof FramingError }).toEqual({ name, error: true });
      }
    });
  }

  test("refuses a trailer section over 16 KiB", () => {
    const framer = new BodyFramer({ kind: "chunked" });
    expect(() => framer.feed(enc(`0\r\n${`X-T: ${"a".repeat(1000)}\r\n`.repeat(17)}\r\n`))).toThrow(FramingError);
  });

  test("takes a large chunk split into many pieces without copying it into onData twice", () => {
    const size = 1 << 20;
    const payload = new Uint8Array(size).map((_, i) => i & 0xff);
    const framer = new BodyFramer({ kind: "chunked" }, (d) => (seen += d.length));
    let seen = 0;
    let taken = framer.feed(enc(`${size.toString(16)}\r\n`));
    for (let i = 0; i < size; i += 65536) taken += framer.feed(payload.subarray(i, i + 65536));
    taken += framer.feed(enc("\r\n0\r\n\r\n"));
    expect(seen).toBe(size);
    expect(framer.done).toBe(true);
    expect(taken).toBe(`${size.toString(16)}\r\n`.length + size + 7);
  });
});
