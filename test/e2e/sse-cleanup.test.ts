import { describe, expect, test } from "bun:test";
import { descendants, processGone, sessionPids } from "../helpers/mcp-children.ts";
import { echoServer, stubbornServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { openSse } from "../helpers/sse-client.ts";
import { waitFor, within } from "../helpers/wait.ts";

/**
 * `sh -c` stays the parent (the `; true` stops it exec-ing the last command) of two
 * grandchildren that only a signal to the whole process group ends: a `sleep` that reads
 * nothing, and an echo server told to outlive the end of its stdin.
 */
const wrapped = ["sh", "-c", `sleep 300 & ${echoServer("--stay").map((arg) => `'${arg}'`).join(" ")}; true`];

const allGone = (pids: number[]) => pids.every(processGone);

describe("session cleanup", () => {
  test("kills the child and its grandchildren within 7 s when the SSE client disconnects, instead of orphaning them", async () => {
    await using proxy = await startTestProxy({ sse: wrapped });
    const sse = await openSse(proxy.url);
    await sse.post({ jsonrpc: "2.0", id: 1, method: "ping" });
    await sse.response_(1);
    const pid = sessionPids(proxy.logs)[0]!;
    const tree = [pid, ...(await waitFor(() => (descendants(pid).length >= 2 ? descendants(pid) : undefined), 5000, "sleep and echo"))];
    sse.close();
    await waitFor(() => allGone(tree), 7000, `pids ${tree.join(", ")} to be gone`);
    expect((await sse.post({ jsonrpc: "2.0", id: 2, method: "ping" })).status).toBe(404);
  }, 15_000);

  test("sends SIGTERM first and SIGKILL after the kill timeout to a child that ignores SIGTERM", async () => {
    await using proxy = await startTestProxy({ sse: stubbornServer });
    const sse = await openSse(proxy.url);
    const pid = sessionPids(proxy.logs)[0]!;
    await waitFor(() => proxy.logs.some((line) => line.includes("stubborn: started")), 5000, "the stubborn child to start");
    const disconnectedAt = Date.now();
    sse.close();
    await waitFor(() => proxy.logs.some((line) => line.includes(sse.sessionId) && line.includes("stubborn: got SIGTERM")), 2000, "SIGTERM");
    expect(processGone(pid)).toBe(false);
    await waitFor(() => processGone(pid), 7000, "the stubborn child to be killed");
    // The default kill timeout is 5 s: the SIGKILL cannot have come much earlier.
    expect(Date.now() - disconnectedAt).toBeGreaterThan(4500);
    await waitFor(() => proxy.logs.some((line) => line.includes(`session ${sse.sessionId} closed`)), 2000, "the close line");
    expect(proxy.logs.find((line) => line.includes(`session ${sse.sessionId} closed`))).toContain("signal SIGKILL");
  }, 15_000);

  test("kills what is left of the process group when the child exits by itself", async () => {
    const leaver = ["sh", "-c", `sleep 300 & exec ${echoServer().map((arg) => `'${arg}'`).join(" ")}`];
    await using proxy = await startTestProxy({ sse: leaver });
    await using sse = await openSse(proxy.url);
    const pid = sessionPids(proxy.logs)[0]!;
    const [sleep] = await waitFor(() => (descendants(pid).length >= 1 ? descendants(pid) : undefined), 5000, "the sleep");
    await sse.post({ jsonrpc: "2.0", id: 1, method: "fixture/exit", params: { code: 0 } });
    await within(sse.ended, 7000, "the stream to end");
    await waitFor(() => processGone(sleep!) && processGone(pid), 7000, "the leftover sleep to be killed");
  }, 15_000);

  test("stops every child and descendant within 6 s on close(), a SIGTERM-ignoring one included", async () => {
    const proxy = await startTestProxy({ sse: wrapped });
    const stubbornProxy = await startTestProxy({ sse: stubbornServer });
    try {
      const clients = [await openSse(proxy.url), await openSse(proxy.url), await openSse(stubbornProxy.url)];
      const pids = [...sessionPids(proxy.logs), ...sessionPids(stubbornProxy.logs)];
      expect(pids).toHaveLength(3);
      await waitFor(() => pids.slice(0, 2).every((pid) => descendants(pid).length >= 2), 5000, "the grandchildren");
      await waitFor(() => stubbornProxy.logs.some((line) => line.includes("stubborn: started")), 5000, "the stubborn child");
      const tree = pids.flatMap((pid) => [pid, ...descendants(pid)]);
      const started = Date.now();
      await within(Promise.all([proxy.close(), stubbornProxy.close()]), 6000, "close()");
      expect(tree.filter((pid) => !processGone(pid))).toEqual([]);
      expect(Date.now() - started).toBeLessThan(6000);
      await Promise.all(clients.map((client) => within(client.ended, 1000, "the stream to end")));
    } finally {
      await proxy.close();
      await stubbornProxy.close();
    }
  }, 15_000);
});
