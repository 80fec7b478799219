import { describe, expect, test } from "bun:test";
import { LineReader, LineTooLongError, type JsonLine } from "../../src/mcp/line-reader.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `input` cut into pieces of `size` bytes; returns the lines and the skipped ones. */
function feed(input: Uint8Array, size: number, maxLineBytes = 1024) {
  const skipped: string[] = [];
  const reader = new LineReader({ maxLineBytes, onInvalid: (line) => skipped.push(line) });
  const lines: string[] = [];
  const text = (line: JsonLine) => {
    // Each line comes with what it parses to, so that nobody parses it again.
    expect(line.message).toEqual(JSON.parse(line.text));
    return line.text;
  };
  for (let at = 0; at < input.length; at += size) lines.push(...reader.push(input.subarray(at, at + size)).map(text));
  lines.push(...reader.end().map(text));
  return { lines, skipped };
}

describe("LineReader", () => {
  const input = bytes('{"a":1}\r\nnot json\n\n{"b":"é中😀"}\n[1,2]\n');

  test("gives the same lines for every chunk size, one byte at a time included", () => {
    for (let size = 1; size <= input.length; size++) {
      const { lines, skipped } = feed(input, size);
      expect(lines).toEqual(['{"a":1}', '{"b":"é中😀"}', "[1,2]"]);
      expect(skipped).toEqual(["not json"]);
    }
  });

  test("strips a trailing CR but keeps one inside the line", () => {
    expect(feed(bytes('{"a":\r1}\r\n'), 3).lines).toEqual(['{"a":\r1}']);
  });

  test("keeps a multi-byte character split across chunks intact instead of mangling it", () => {
    const { lines } = feed(bytes('{"s":"😀"}\n'), 1);
    expect(JSON.parse(lines[0]!).s).toBe("😀");
  });

  test("does not report empty or blank lines as invalid", () => {
    expect(feed(bytes("\n  \r\n\n"), 2)).toEqual({ lines: [], skipped: [] });
  });

  test("delivers a last JSON line that has no newline at end of input", () => {
    expect(feed(bytes('{"a":1}\n{"b":2}'), 4).lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  test("accepts a line exactly at the cap", () => {
    const line = `"${"x".repeat(98)}"`;
    expect(feed(bytes(`${line}\n`), 7, 100).lines).toEqual([line]);
  });

  test("throws LineTooLongError once a line passes the cap, without buffering it whole", () => {
    const reader = new LineReader({ maxLineBytes: 100 });
    expect(reader.push(bytes(`"${"x".repeat(60)}`))).toEqual([]);
    expect(() => reader.push(bytes("x".repeat(60)))).toThrow(LineTooLongError);
  });

  test("does not let lines before an overlong one get lost", () => {
    const reader = new LineReader({ maxLineBytes: 10 });
    expect(reader.push(bytes('{"a":1}\n'))).toEqual([{ text: '{"a":1}', message: { a: 1 } }]);
    expect(() => reader.push(bytes("y".repeat(11)))).toThrow(LineTooLongError);
  });

  test("copies chunk bytes, so a caller reusing its buffer cannot corrupt a pending line", () => {
    const reader = new LineReader({ maxLineBytes: 100 });
    const chunk = bytes('{"a":');
    reader.push(chunk);
    chunk.fill(0x20);
    expect(reader.push(bytes("1}\n"))).toEqual([{ text: '{"a":1}', message: { a: 1 } }]);
  });
});
