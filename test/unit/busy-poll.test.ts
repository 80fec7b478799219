import { describe, expect, test } from "bun:test";
import { BusyPoll } from "../../src/net/busy-poll.ts";
import { waitFor } from "../helpers/wait.ts";

describe("busy polling", () => {
  test("keeps the loop awake for the window after a kick, then lets it sleep", async () => {
    const poll = new BusyPoll(5);
    expect(poll.active).toBe(false);
    poll.kick();
    expect(poll.active).toBe(true);
    // A spin that never ended would keep the loop (and a CPU) busy forever.
    await waitFor(() => !poll.active, 1000, "the window to end");
  });

  test("each kick extends the window", async () => {
    const poll = new BusyPoll(30);
    let kicks = 0;
    let lastKick = 0;
    const kicker = setInterval(() => {
      poll.kick();
      lastKick = performance.now();
      kicks++;
    }, 5);
    // 16 kicks 5 ms apart outlast one 30 ms window: only the extensions keep it going.
    await waitFor(() => kicks >= 16, 2000, "16 kicks");
    expect(poll.active).toBe(true);
    clearInterval(kicker);
    await waitFor(() => !poll.active, 1000, "the window to end");
    expect(performance.now() - lastKick).toBeGreaterThanOrEqual(30 - 1);
  });

  test("a window of 0 never spins, and stop() ends a window early", async () => {
    const off = new BusyPoll(0);
    off.kick();
    expect(off.active).toBe(false);
    const poll = new BusyPoll(60_000);
    poll.kick();
    poll.stop();
    await waitFor(() => !poll.active, 1000, "stop() to end the window");
  });
});
