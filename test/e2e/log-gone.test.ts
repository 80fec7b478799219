/**
 * mcp-proxy logs to stderr, and that can go away under it: the Terminal window closes, or the
 * `| tee` of start_proxy.command is killed. The proxy must keep serving, and still stop its
 * MCP children on SIGTERM, instead of dying at the next log line with an EPIPE.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { cliPath } from "../helpers/cli.ts";
import { descendants, processGone } from "../helpers/mcp-children.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { openSse } from "../helpers/sse-client.ts";
import { waitFor, within } from "../helpers/wait.ts";

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
};

/** Processes whose environment holds `marker`: the proxy and its child inherit it from the shell. */
function marked(marker: string): number[] {
  return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(marker);
    } catch {
      return false;
    }
  });
}

describe.skipIf(process.platform !== "linux")("a log destination that goes away", () => {
  test("leaves the proxy serving, and SIGTERM still stops its MCP children", async () => {
    // The proxy's stderr goes to `head -n 1`, which exits after the first line: every later
    // line meets a closed pipe. --stay: a child that outlives its stdin.
    const marker = `MCP_PROXY_TEST_MARK=${crypto.randomUUID()}`;
    const shell = Bun.spawn(["sh", "-c", '"$@" 2>&1 | head -n 1', "sh", process.execPath, cliPath, "-p", "0", "--sse", ...echoServer("--stay")], {
      env: { ...process.env, [marker.split("=")[0]!]: marker.split("=")[1]! },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "ignore",
    });
    const killed: number[] = [];
    try {
      // The pipe stays open while the proxy lives (the shell waits for it): read up to a newline.
      const reader = shell.stdout.getReader();
      let first = "";
      while (!first.includes("\n")) {
        const { done, value } = await within(reader.read(), 10_000, "the banner's first line");
        if (done) break;
        first += new TextDecoder().decode(value);
      }
      const port = Number(/listening on http:\/\/[^\s]+:(\d+)/.exec(first)?.[1]);
      expect(port).toBeGreaterThan(0);
      const proxy = await waitFor(() => descendants(shell.pid).find((pid) => cmdline(pid).includes(cliPath)), 5000, "the proxy's pid");
      killed.push(proxy);
      const url = `http://127.0.0.1:${port}`;
      // Opening a session logs a line (and more follow): each meets the closed pipe.
      await using sse = await openSse(url);
      const child = await waitFor(() => descendants(proxy).find((pid) => cmdline(pid).includes("--stay")), 5000, "the MCP child");
      killed.push(child);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(processGone(proxy)).toBe(false);
      process.kill(proxy, "SIGTERM");
      await waitFor(() => processGone(child), 10_000, "the MCP child to be stopped");
      await waitFor(() => processGone(proxy), 10_000, "the proxy to exit");
      await within(sse.ended, 1000, "the SSE stream to end");
    } finally {
      // By the marker, not the process tree: a proxy that died would have orphaned its child.
      for (const pid of new Set([...killed, ...marked(marker)])) if (pid !== process.pid && !processGone(pid)) process.kill(pid, "SIGKILL");
      shell.kill("SIGKILL");
    }
  }, 30_000);
});
