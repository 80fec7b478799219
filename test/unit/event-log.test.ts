import { describe, expect, test } from "bun:test";
import { EventLog, formatEventId, parseEventId } from "../../src/mcp/event-log.ts";

describe("EventLog", () => {
  test("numbers events across streams and replays one stream after a sequence number", () => {
    const log = new EventLog({ maxEvents: 10, maxChars: 1000 });
    log.append(1, "a");
    log.append(0, "b");
    log.append(1, "c");
    expect(log.after(1, 1).map((e) => [e.seq, e.data])).toEqual([[3, "c"]]);
    expect(log.after(1, 0).map((e) => e.data)).toEqual(["a", "c"]);
    expect(log.after(0, 0).map((e) => e.data)).toEqual(["b"]);
    expect(log.after(2, 0)).toEqual([]);
    expect(log.lastSeq).toBe(3);
  });

  test("drops the oldest events past the count limit and says which", () => {
    const log = new EventLog({ maxEvents: 2, maxChars: 1000 });
    log.append(0, "1");
    log.append(0, "2");
    const { evicted } = log.append(0, "3");
    expect(evicted.map((e) => e.data)).toEqual(["1"]);
    expect(log.after(0, 0).map((e) => e.data)).toEqual(["2", "3"]);
  });

  test("drops the oldest events past the size limit but always keeps the newest", () => {
    const log = new EventLog({ maxEvents: 100, maxChars: 10 });
    log.append(0, "aaaaaa");
    log.append(0, "bbbbbb");
    expect(log.after(0, 0).map((e) => e.data)).toEqual(["bbbbbb"]);
    log.append(0, "x".repeat(50));
    expect(log.size).toBe(1);
  });
});

describe("event ids", () => {
  test("round-trip stream and sequence number", () => {
    expect(parseEventId(formatEventId(3, 42))).toEqual({ stream: 3, seq: 42 });
  });

  test.each([[""], ["abc"], ["1"], ["1-"], ["-1-2"], ["1-2-3"], ["1.5-2"]])("refuse %j", (text) => {
    expect(parseEventId(text)).toBeUndefined();
  });
});
