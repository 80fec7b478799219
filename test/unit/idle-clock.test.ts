/** The lazy idle reaper of /mcp sessions: counted from the last touch, never while busy. */
import { describe, expect, test } from "bun:test";
import { IdleClock } from "../../src/mcp/idle-clock.ts";
import { waitFor } from "../helpers/wait.ts";

describe("IdleClock", () => {
  test("fires after the quiet period counted from the last touch, not from the first", async () => {
    let firedAt = 0;
    let touchedAt = 0;
    const clock = new IdleClock(40, () => false, () => (firedAt = performance.now()));
    // A touch half-way through the first period: the lazy timer must re-arm for the rest.
    setTimeout(() => {
      touchedAt = performance.now();
      clock.touch();
    }, 20);
    await waitFor(() => firedAt, 2000, "the idle clock");
    // Timers may fire a hair early on a busy box; 35 of 40 ms still proves the re-arm.
    expect(firedAt - touchedAt).toBeGreaterThanOrEqual(35);
  });

  test("does not fire while busy; the touch that ends the busy spell starts the count", async () => {
    let fired = false;
    let busyChecks = 0;
    let busy = true;
    const clock = new IdleClock(10, () => (busyChecks++, busy), () => (fired = true));
    await waitFor(() => busyChecks > 0, 2000, "the idle clock to look");
    expect(fired).toBe(false);
    busy = false;
    clock.touch();
    await waitFor(() => fired, 2000, "the idle clock after the busy spell");
  });
});
