/**
 * The README's way to run the proxy, `npm start`: a SIGTERM to npm (what a service manager or
 * `kill` sends) must stop mcp-proxy too, not orphan it behind the shell npm runs scripts in.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { pidGone, waitFor } from "../helpers/wait.ts";

const root = new URL("../..", import.meta.url).pathname;
const hasProcChildren = process.platform === "linux";

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe.skipIf(!hasProcChildren)("npm start", () => {
  test("stops mcp-proxy when npm gets SIGTERM", async () => {
    const npm = Bun.spawn(["npm", "start", "--silent", "--", "-p", "0"], { cwd: root, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const started: number[] = [];
    try {
      let log = "";
      const decoder = new TextDecoder();
      const reading = (async () => {
        for await (const chunk of npm.stderr) log += decoder.decode(chunk, { stream: true });
      })();
      await waitFor(() => log.includes("listening on"), 15_000, "the banner");
      // Every process below npm: the proxy, and a shell if the script runs it through one.
      const below = (pid: number): number[] => childrenOf(pid).flatMap((child) => [child, ...below(child)]);
      started.push(...below(npm.pid));
      expect(started.length).toBeGreaterThan(0);
      npm.kill("SIGTERM");
      await waitFor(() => started.every(pidGone), 5000, "every process npm started to exit");
      await npm.exited;
      await reading;
      expect(log).toContain("SIGTERM: shutting down");
    } finally {
      npm.kill("SIGKILL");
      for (const pid of started) if (!pidGone(pid)) process.kill(pid, "SIGKILL");
    }
  }, 30_000);
});
