/** The status page's bounded tables: ring, histogram, traffic bookkeeping, end reasons. */
import { describe, expect, test } from "bun:test";
import { endReason } from "../../src/status/bridge-stats.ts";
import { Histogram } from "../../src/status/histogram.ts";
import { Ring } from "../../src/status/ring.ts";
import { HISTORY_SIZE, MAX_FAILING_TARGETS, Traffic } from "../../src/status/traffic.ts";

const refused = Object.assign(new Error("connect failed"), { code: "ECONNREFUSED" });
const unreachable = Object.assign(new Error("connect failed"), { code: "EHOSTUNREACH" });

describe("Ring", () => {
  test("keeps only the newest items, newest first, instead of growing", () => {
    const ring = new Ring<number>(3);
    expect(ring.newestFirst()).toEqual([]);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.newestFirst()).toEqual([5, 4, 3]);
    expect(ring.size).toBe(3);
  });
});

describe("Histogram", () => {
  test("counts each observation in the first bucket that holds it; cumulative counts for the exposition", () => {
    const histogram = new Histogram([0.001, 0.01, 0.1]);
    for (const value of [0.0005, 0.001, 0.005, 0.5]) histogram.observe(value);
    expect(histogram.cumulative()).toEqual([2, 3, 3]);
    expect(histogram.count).toBe(4);
    expect(histogram.sum).toBeCloseTo(0.5065, 6);
  });
});

describe("Traffic", () => {
  test("moves a flow from open to history once, with the bytes its sockets counted", () => {
    const traffic = new Traffic();
    const source = { bytesUp: 10, bytesDown: 20 };
    const flow = traffic.start("tunnel", "127.0.0.1", "example.test:443");
    flow.source = source;
    expect([...traffic.open]).toEqual([flow]);
    expect(traffic.byteTotals("tunnel")).toEqual({ up: 10, down: 20 });
    source.bytesUp = 15;
    flow.end(200, "ok");
    flow.end(502, "unreachable"); // a second end is ignored
    source.bytesUp = 99; // the socket lives on (a kept-alive upstream): the history keeps the final count
    expect(traffic.open.size).toBe(0);
    const [closed] = traffic.history.newestFirst();
    expect(closed).toMatchObject({ kind: "tunnel", status: 200, outcome: "ok", up: 15, down: 20, what: "CONNECT example.test:443" });
    expect(traffic.byteTotals("tunnel")).toEqual({ up: 15, down: 20 });
    expect(traffic.outcomes.tunnel).toEqual({ ok: 1, unreachable: 0, timeout: 0, rejected: 0, aborted: 0 });
  });

  test("shows a forwarded request without its query string, though it keeps the path", () => {
    const traffic = new Traffic();
    const flow = traffic.start("request", "127.0.0.1", "example.test:80", "GET", "/search?token=s3cret&q=1");
    expect(flow.what).toBe("GET http://example.test:80/search");
    flow.end(200, "ok");
    expect(traffic.history.newestFirst()[0]!.what).not.toContain("s3cret");
  });

  test("keeps the last HISTORY_SIZE closed flows only", () => {
    const traffic = new Traffic();
    for (let i = 0; i < HISTORY_SIZE + 25; i++) traffic.start("request", "c", "t:80", "GET", "/").end(200, "ok");
    expect(traffic.history.size).toBe(HISTORY_SIZE);
    expect(traffic.history.newestFirst()[0]!.id).toBe(HISTORY_SIZE + 25);
  });

  test("groups failures by target and cause, and counts them by errno", () => {
    const traffic = new Traffic();
    traffic.failed("10.9.9.9:443", unreachable);
    traffic.failed("10.9.9.9:443", unreachable);
    traffic.failed("10.9.9.9:443", refused);
    const rows = [...traffic.failures.values()];
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => row.code === "EHOSTUNREACH")).toMatchObject({ count: 2, cause: "EHOSTUNREACH No route to host" });
    expect(traffic.errors.get("EHOSTUNREACH")).toBe(2);
    expect(traffic.errors.get("ECONNREFUSED")).toBe(1);
  });

  test("caps the failure table, dropping the target seen least recently instead of growing", () => {
    const traffic = new Traffic();
    for (let i = 0; i < MAX_FAILING_TARGETS; i++) traffic.failed(`host-${i}:1`, refused);
    traffic.failed("host-0:1", refused); // seen again: now the most recent
    traffic.failed("new:1", refused);
    expect(traffic.failures.size).toBe(MAX_FAILING_TARGETS);
    const targets = [...traffic.failures.values()].map((row) => row.target);
    expect(targets).toContain("host-0:1");
    expect(targets).toContain("new:1");
    expect(targets).not.toContain("host-1:1");
  });

  test("switched off, records nothing (the benchmark's A/B)", () => {
    const traffic = new Traffic(false);
    const flow = traffic.start("tunnel", "c", "t:1");
    traffic.failed("t:1", refused);
    traffic.connected(3);
    flow.end(200, "ok");
    expect(traffic.open.size + traffic.history.size + traffic.failures.size + traffic.connectSeconds.count).toBe(0);
  });
});

describe("endReason", () => {
  test.each([
    ["client disconnected", "client_gone"],
    ["client ended the session (DELETE)", "deleted"],
    ["idle for 1800 s", "idle"],
    ["child exited", "child_exited"],
    ["child closed stdout", "child_exited"],
    ["shutting down", "shutdown"],
    ["", "error"],
  ])("%p → %p", (detail, reason) => {
    expect(endReason(detail)).toBe(reason as ReturnType<typeof endReason>);
  });
});
