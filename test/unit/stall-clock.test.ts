/**
 * StallClock: a body that sends nothing for `ms` is stalled, but the time the proxy spent not
 * reading the client (paused) is not the client's, and a client resumed just before a due gets
 * a whole period to send from there.
 */
import { describe, expect, test } from "bun:test";
import { StallClock } from "../../src/net/stall-clock.ts";
import { waitFor } from "../helpers/wait.ts";

const MS = 60;

describe("StallClock", () => {
  test("a client that sends nothing is stalled after the period", async () => {
    let stalledAt = 0;
    const clock = new StallClock(MS, () => false, () => (stalledAt = performance.now()));
    const started = performance.now();
    clock.progress();
    await waitFor(() => stalledAt, 2000, "the stall");
    expect(stalledAt - started).toBeGreaterThanOrEqual(MS * 0.9);
    clock.stop();
  });

  test("progress starts the period again; stop() ends the clock", async () => {
    let stalled = 0;
    let asked = 0;
    const clock = new StallClock(MS, () => (asked++, false), () => stalled++);
    clock.progress();
    clock.stop();
    clock.progress(); // armed again
    await waitFor(() => stalled, 2000, "the stall after progress");
    expect(asked).toBe(1);
    clock.stop();
  });

  test("is not stalled while paused, and gives a whole period after the resume", async () => {
    const dues: { at: number; paused: boolean }[] = [];
    let stalledAt = 0;
    // Paused at the first two dues, reading again from the third.
    const paused = () => {
      const answer = dues.length < 2;
      dues.push({ at: performance.now(), paused: answer });
      return answer;
    };
    const clock = new StallClock(MS, paused, () => (stalledAt = performance.now()));
    clock.progress();
    await waitFor(() => stalledAt, 3000, "the stall after the resume");
    expect(dues.map((d) => d.paused).slice(0, 3)).toEqual([true, true, false]);
    // Not cut at the due that first found it reading: a whole period later.
    expect(stalledAt - dues[2]!.at).toBeGreaterThanOrEqual(MS * 0.9);
    clock.stop();
  });
});
