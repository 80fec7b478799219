/**
 * Deadlines: one timer per duration for many connections. A deadline fires once, after its
 * duration, unless cancelled; cancelling the oldest does not delay the next; an expire() that
 * adds a deadline leaves the older ones on time.
 */
import { describe, expect, test } from "bun:test";
import { Deadlines, type Expiring } from "../../src/net/deadlines.ts";
import { letTimePass, within } from "../helpers/wait.ts";

/** An item that records when it expired, and resolves once it has. */
function item(name: string, log: string[], then?: () => void): Expiring & { expired: Promise<number> } {
  const done = Promise.withResolvers<number>();
  return {
    expired: done.promise,
    expire() {
      log.push(name);
      then?.();
      done.resolve(performance.now());
    },
  };
}

describe("Deadlines", () => {
  test("expires each item once, oldest first, no sooner than its duration", async () => {
    const deadlines = new Deadlines();
    const log: string[] = [];
    const started = performance.now();
    const a = item("a", log);
    const b = item("b", log);
    deadlines.add(30, a);
    deadlines.add(30, b);
    expect(deadlines.size).toBe(2);
    const at = await within(b.expired, 2_000, "b expired");
    expect(log).toEqual(["a", "b"]);
    expect(at - started).toBeGreaterThanOrEqual(29);
    expect(deadlines.size).toBe(0);
  });

  test("a cancelled deadline never fires, and cancelling twice is harmless", async () => {
    const deadlines = new Deadlines();
    const log: string[] = [];
    const cancelled = deadlines.add(10, item("cancelled", log));
    const kept = item("kept", log);
    cancelled.cancel();
    cancelled.cancel();
    deadlines.add(20, kept);
    await within(kept.expired, 2_000, "kept expired");
    expect(log).toEqual(["kept"]);
  });

  test("a deadline added after an older one was cancelled fires on its own time, not the old one's", async () => {
    const deadlines = new Deadlines();
    const log: string[] = [];
    deadlines.add(40, item("old", log)).cancel(); // the timer stays armed for 40 ms
    const young = item("young", log);
    const added = performance.now();
    deadlines.add(40, young);
    const at = await within(young.expired, 2_000, "young expired");
    expect(at - added).toBeGreaterThanOrEqual(39);
    expect(log).toEqual(["young"]);
  });

  test("durations have queues of their own: a short one is not held behind a long one", async () => {
    const deadlines = new Deadlines();
    const log: string[] = [];
    const long = deadlines.add(10_000, item("long", log));
    const short = item("short", log);
    deadlines.add(10, short);
    await within(short.expired, 2_000, "short expired");
    expect(log).toEqual(["short"]);
    long.cancel();
    expect(deadlines.size).toBe(0);
  });

  test("an expire() that adds a deadline of the same duration leaves the older ones on time", async () => {
    const deadlines = new Deadlines();
    const log: string[] = [];
    const added = item("added-by-first", log);
    const second = item("second", log);
    const started = performance.now();
    deadlines.add(100, item("first", log, () => deadlines.add(100, added)));
    // Added while the timer is armed for "first": due at ~110 ms, well before "added-by-first" (~200 ms).
    await letTimePass(10);
    deadlines.add(100, second);
    const secondAt = await within(second.expired, 2_000, "second expired");
    await within(added.expired, 2_000, "added expired");
    expect(log).toEqual(["first", "second", "added-by-first"]);
    // "second" was not pushed back to the deadline the expiring item added.
    expect(secondAt - started).toBeLessThan(180);
  });

  test("clear() drops every pending deadline without expiring it", async () => {
    const deadlines = new Deadlines();
    const log: string[] = [];
    deadlines.add(10, item("a", log));
    deadlines.add(20, item("b", log));
    deadlines.clear();
    expect(deadlines.size).toBe(0);
    const probe = item("probe", log);
    deadlines.add(30, probe);
    await within(probe.expired, 2_000, "probe expired");
    expect(log).toEqual(["probe"]);
  });
});
