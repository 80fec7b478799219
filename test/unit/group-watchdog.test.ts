/**
 * The group watchdog's script, run directly: it stops exactly the groups listed when its pipe
 * closes (not the ones removed), and it is plain POSIX sh.
 */
import { describe, expect, test } from "bun:test";
import { WATCHDOG_SCRIPT } from "../../src/mcp/group-watchdog.ts";
import { processGone } from "../helpers/mcp-children.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { waitFor } from "../helpers/wait.ts";

const shellcheck = Bun.which("shellcheck");

/** A child that outlives its stdin (--stay), leading a process group of its own. */
function stayingChild(): Bun.Subprocess {
  return Bun.spawn(echoServer("--stay"), { stdin: "pipe", stdout: "ignore", stderr: "ignore", detached: true });
}

describe("group watchdog", () => {
  test("on EOF stops the groups still listed, and leaves alone the ones removed", async () => {
    const [kept, removed, twice] = [stayingChild(), stayingChild(), stayingChild()];
    const watchdog = Bun.spawn(["/bin/sh", "-c", WATCHDOG_SCRIPT, "mcp-proxy-watchdog", "1"], { stdin: "pipe", stdout: "ignore", stderr: "ignore" });
    try {
      // Garbage lines are ignored; a group added twice and removed once is still listed.
      watchdog.stdin.write(`+ ${kept.pid}\n+ ${removed.pid}\n+ ${twice.pid}\n+ ${twice.pid}\n- ${removed.pid}\n- ${twice.pid}\n+ 1; kill 0\nnoise\n`);
      await watchdog.stdin.end();
      await waitFor(() => processGone(kept.pid), 3000, "the listed group to be stopped");
      await waitFor(() => processGone(twice.pid), 3000, "the group added twice to be stopped");
      expect(await watchdog.exited).toBe(0);
      expect(processGone(removed.pid)).toBe(false);
    } finally {
      for (const child of [kept, removed, twice]) if (!processGone(child.pid)) process.kill(-child.pid, "SIGKILL");
      watchdog.kill("SIGKILL");
    }
  });

  test("exits at once on EOF when nothing is listed", async () => {
    const watchdog = Bun.spawn(["/bin/sh", "-c", WATCHDOG_SCRIPT, "mcp-proxy-watchdog", "30"], { stdin: "pipe", stdout: "ignore", stderr: "ignore" });
    await watchdog.stdin.end();
    expect(await watchdog.exited).toBe(0);
  });

  test.skipIf(!shellcheck)("is shellcheck clean as POSIX sh", () => {
    const result = Bun.spawnSync([shellcheck!, "-s", "sh", "-"], { stdin: new TextEncoder().encode(WATCHDOG_SCRIPT) });
    expect(result.stdout.toString()).toBe("");
    expect(result.exitCode).toBe(0);
  });
});
