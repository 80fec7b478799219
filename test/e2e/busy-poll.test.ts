/**
 * --busy-poll on the real command line: the loop polls for the window after each read (it
 * costs CPU while requests come), and an idle proxy sleeps. CPU time is read from /proc.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { runCli } from "../helpers/cli.ts";
import { waitFor } from "../helpers/wait.ts";

const linux = process.platform === "linux";
const ticksPerSecond = linux ? Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100 : 100;

/** User + system CPU milliseconds the process has used so far. */
function cpuMs(pid: number): number {
  // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
  const fields = readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** CPU the proxy spends while one forwarded request is sent every `gapMs` for `spanMs`, and while it then sits idle as long. */
async function cpuDuringSparseRequests(busyPollUs: number, spanMs: number, gapMs: number): Promise<{ busy: number; idle: number }> {
  await using origin = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
  await using cli = runCli(["-p", "0", "--busy-poll", String(busyPollUs)]);
  const proxy = `http://127.0.0.1:${await cli.port()}`;
  const url = `http://127.0.0.1:${origin.port}/`;
  expect(await (await fetch(url, { proxy })).text()).toBe("ok");
  const pid = cli.proc.pid;
  let before = cpuMs(pid);
  const began = performance.now();
  while (performance.now() - began < spanMs) {
    expect(await (await fetch(url, { proxy })).text()).toBe("ok");
    await Bun.sleep(gapMs); // the pattern measured: a request, then a pause of gapMs
  }
  const busy = cpuMs(pid) - before;
  before = cpuMs(pid);
  const quiet = performance.now();
  await waitFor(() => performance.now() - quiet >= spanMs, spanMs + 1000, "the idle span");
  return { busy, idle: cpuMs(pid) - before };
}

describe.skipIf(!linux)("--busy-poll", () => {
  test("keeps polling between sparse requests within its window, and sleeps once they stop", async () => {
    // A 10 ms window bridges 3 ms gaps: the proxy polls the whole span.
    const spinning = await cpuDuringSparseRequests(10_000, 800, 3);
    const sleeping = await cpuDuringSparseRequests(0, 800, 3);
    expect(spinning.busy).toBeGreaterThan(sleeping.busy + 200);
    // Idle, neither uses more than a few ticks: a spin that never stopped would use the whole span.
    expect(spinning.idle).toBeLessThan(100);
    expect(sleeping.idle).toBeLessThan(100);
  }, 20_000);
});
