import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Child, SpawnError } from "../../src/mcp/child.ts";
import { StdinClosedError } from "../../src/mcp/stdin-writer.ts";
import { processGone } from "../helpers/mcp-children.ts";
import { echoServer, stubbornServer } from "../helpers/mcp-servers.ts";
import { waitFor } from "../helpers/wait.ts";

/** The stdin bounds every Child here gets; none of these tests fills them. */
const stdin = { stdinBufferBytes: 1024 * 1024, stdinStallMs: 30_000 };

function processGroup(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[2]);
}

describe("Child", () => {
  test("starts the child as the leader of its own process group", async () => {
    const child = new Child({ argv: echoServer(), env: process.env, killTimeoutMs: 1000, ...stdin });
    try {
      expect(processGroup(child.pid)).toBe(child.pid);
      expect(processGroup(child.pid)).not.toBe(processGroup(process.pid));
    } finally {
      await child.stop();
    }
  });

  for (const death of ["an uncaught error", "SIGKILL"] as const) {
    test(`a process that dies by ${death} before stopping its child leaves no child behind`, async () => {
      // A separate process that starts a child which outlives its stdin (--stay), then dies.
      const script = [
        `import { Child } from ${JSON.stringify(new URL("../../src/mcp/child.ts", import.meta.url).pathname)};`,
        `const child = new Child({ argv: ${JSON.stringify(echoServer("--stay"))}, env: process.env, killTimeoutMs: 1000, stdinBufferBytes: 1024, stdinStallMs: 30000 });`,
        "console.log(child.pid);",
        death === "SIGKILL" ? "setInterval(() => {}, 1000);" : 'setTimeout(() => { throw new Error("crash"); }, 50);',
      ].join("\n");
      const dying = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "ignore" });
      const reader = dying.stdout.getReader();
      const pid = Number(new TextDecoder().decode((await reader.read()).value).trim());
      try {
        expect(pid).toBeGreaterThan(0);
        if (death === "SIGKILL") dying.kill("SIGKILL");
        await dying.exited;
        await waitFor(() => processGone(pid), 3000, `the dead process's child ${pid} to be gone`);
      } finally {
        if (pid > 0 && !processGone(pid)) process.kill(pid, "SIGKILL");
        dying.kill("SIGKILL");
      }
    });
  }

  test("throws SpawnError with the errno code for a command that does not exist", () => {
    expect(() => new Child({ argv: ["mcp-proxy-no-such-command"], env: process.env, killTimeoutMs: 1000, ...stdin })).toThrow(SpawnError);
    try {
      new Child({ argv: ["mcp-proxy-no-such-command"], env: process.env, killTimeoutMs: 1000, ...stdin });
    } catch (error) {
      expect((error as SpawnError).code).toBe("ENOENT");
    }
  });

  test("passes stderr lines on as they arrive and keeps the last ten", async () => {
    const lines: string[] = [];
    const child = new Child({
      argv: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line $i >&2; done"],
      env: process.env, killTimeoutMs: 1000, ...stdin,
      onStderrLine: (line) => lines.push(line),
    });
    await child.exited;
    await waitFor(() => lines.length === 12, 2000, "12 stderr lines");
    expect(child.stderrTail()).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => `line ${n}`));
    expect(child.exitCode).toBe(0);
    await child.stop();
  });

  test("stop() is idempotent, and escalates to SIGKILL for a child that ignores SIGTERM", async () => {
    const lines: string[] = [];
    const child = new Child({ argv: stubbornServer, env: process.env, killTimeoutMs: 300, ...stdin, onStderrLine: (line) => lines.push(line) });
    await waitFor(() => lines.some((line) => line.includes("started")), 5000, "the stubborn child to start");
    const first = child.stop();
    expect(child.stop()).toBe(first);
    await first;
    expect(processGone(child.pid)).toBe(true);
    expect(child.signalCode).toBe("SIGKILL");
    expect(lines).toContain("stubborn: got SIGTERM");
  });

  test("refuses to send once stopped instead of writing to a closed pipe", async () => {
    const child = new Child({ argv: echoServer(), env: process.env, killTimeoutMs: 1000, ...stdin });
    await child.stop();
    await expect(child.send(["{}"])).rejects.toThrow(StdinClosedError);
  });
});
