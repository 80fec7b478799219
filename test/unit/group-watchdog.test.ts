/**
 * The group watchdog's script, run directly: it stops exactly the groups listed when its pipe
 * closes (not the ones removed), and it is plain POSIX sh.
 */
import { describe, expect, test } from "bun:test";
import { WATCHDOG_SCRIPT } from "../../src/mcp/group-watchdog.ts";
import { processGone } from "../helpers/mcp-children.ts";
import { echoServer, stubbornServer } from "../helpers/mcp-servers.ts";
import { waitFor, within } from "../helpers/wait.ts";

const shellcheck = Bun.which("shellcheck");

/** A child that outlives its stdin (--stay), leading a process group of its own. */
function stayingChild(argv = echoServer("--stay")): Bun.Subprocess {
  return Bun.spawn(argv, { stdin: "pipe", stdout: "ignore", stderr: "ignore", detached: true });
}

function watchdog(killTimeoutSeconds: number): Bun.Subprocess<"pipe", "ignore", "ignore"> {
  return Bun.spawn(["/bin/sh", "-c", WATCHDOG_SCRIPT, "mcp-proxy-watchdog", String(killTimeoutSeconds)], { stdin: "pipe", stdout: "ignore", stderr: "ignore" });
}

describe("group watchdog", () => {
  test("on EOF stops the groups still listed, leaves alone the ones removed, and exits once they are gone", async () => {
    const [kept, removed, twice] = [stayingChild(), stayingChild(), stayingChild()];
    // A 30 s kill timeout: the watchdog must not sit it out once SIGTERM has done the job.
    const dog = watchdog(30);
    try {
      // Garbage lines are ignored; a group added twice and removed once is still listed.
      dog.stdin.write(`+ ${kept.pid}\n+ ${removed.pid}\n+ ${twice.pid}\n+ ${twice.pid}\n- ${removed.pid}\n- ${twice.pid}\n+ 1; kill 0\nnoise\n`);
      await dog.stdin.end();
      await waitFor(() => processGone(kept.pid), 3000, "the listed group to be stopped");
      await waitFor(() => processGone(twice.pid), 3000, "the group added twice to be stopped");
      expect(await within(dog.exited, 5000, "the watchdog to exit after SIGTERM did the job")).toBe(0);
      expect(processGone(removed.pid)).toBe(false);
    } finally {
      for (const child of [kept, removed, twice]) if (!processGone(child.pid)) process.kill(-child.pid, "SIGKILL");
      dog.kill("SIGKILL");
    }
  });

  test("SIGKILLs a group that ignores SIGTERM once the kill timeout has passed", async () => {
    const stubborn = Bun.spawn(stubbornServer, { stdin: "pipe", stdout: "ignore", stderr: "pipe", detached: true });
    const dog = watchdog(1);
    try {
      // The fixture says when its SIGTERM handler is in place; until then SIGTERM would kill it.
      const said = stubborn.stderr.getReader();
      let text = "";
      while (!text.includes("started")) text += new TextDecoder().decode((await within(said.read(), 5000, "the stubborn server to start")).value);
      dog.stdin.write(`+ ${stubborn.pid}\n`);
      await dog.stdin.end();
      await waitFor(() => processGone(stubborn.pid), 5000, "the stubborn group to be killed");
      expect(await within(dog.exited, 3000, "the watchdog to exit")).toBe(0);
    } finally {
      if (!processGone(stubborn.pid)) process.kill(-stubborn.pid, "SIGKILL");
      dog.kill("SIGKILL");
    }
  });

  test("exits at once on EOF when nothing is listed", async () => {
    const dog = watchdog(30);
    await dog.stdin.end();
    expect(await within(dog.exited, 5000, "the watchdog to exit")).toBe(0);
  });

  test.skipIf(!shellcheck)("is shellcheck clean as POSIX sh", () => {
    const result = Bun.spawnSync([shellcheck!, "-s", "sh", "-"], { stdin: new TextEncoder().encode(WATCHDOG_SCRIPT) });
    expect(result.stdout.toString()).toBe("");
    expect(result.exitCode).toBe(0);
  });
});
