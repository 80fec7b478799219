/**
 * Backpressure as the kernel sees it: the real CLI relays 64 MiB to a reader that pauses
 * after every chunk, and its peak resident memory must not grow by anything like 64 MiB.
 */
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { bulkServer, bulkTunnelClient } from "../helpers/bulk-peer.ts";
import { runCli } from "../helpers/cli.ts";
import { within } from "../helpers/wait.ts";

const MiB = 1024 * 1024;

async function statusKiB(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

describe.skipIf(process.platform !== "linux")("tunnel memory", () => {
  test("stays bounded while a slow reader downloads 64 MiB", async () => {
    const down = randomBytes(64 * MiB);
    const server = bulkServer(down, 0);
    await using cli = runCli(["-p", "0"]);
    try {
      const port = await cli.port();
      const before = await statusKiB(cli.proc.pid, "VmRSS");
      const client = await bulkTunnelClient(port, server.port, new Uint8Array(0), down.length, 2);
      await within(client.peer.receivedAll, 25_000, "64 MiB to a slow reader");
      const peak = await statusKiB(cli.proc.pid, "VmHWM");
      client.close();
      expect(client.peer.received).toBe(down.length);
      // Unbounded buffering would put most of the 64 MiB in the proxy's heap.
      expect((peak - before) * 1024).toBeLessThan(24 * MiB);
    } finally {
      server.stop();
    }
  }, 30_000);
});
