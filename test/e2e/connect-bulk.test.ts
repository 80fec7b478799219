import { describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { bulkServer, bulkTunnelClient } from "../helpers/bulk-peer.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { startTcpTarget } from "../helpers/tcp-target.ts";
import { within } from "../helpers/wait.ts";

const MiB = 1024 * 1024;
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("CONNECT tunnel under load", () => {
  test("moves 64 MiB each way to a slow reader with no byte lost, duplicated or reordered", async () => {
    await using proxy = await startTestProxy();
    const up = randomBytes(64 * MiB);
    const down = randomBytes(64 * MiB);
    const server = bulkServer(down, up.length);
    try {
      const client = await bulkTunnelClient(proxy.port, server.port, up, down.length, 1);
      await within(Promise.all([client.peer.receivedAll, client.peer.sent]), 25_000, "64 MiB each way");
      await within(
        (async () => {
          while (!server.peers[0] || server.peers[0].received < up.length) await Bun.sleep(10);
        })(),
        5_000,
        "server received all",
      );
      expect(client.peer.received).toBe(down.length);
      expect(client.peer.hash.digest("hex")).toBe(sha(down));
      expect(server.peers[0]!.received).toBe(up.length);
      expect(server.peers[0]!.hash.digest("hex")).toBe(sha(up));
      client.close();
    } finally {
      server.stop();
    }
  }, 30_000);

  test("carries 200 concurrent tunnels each echoing 64 KiB intact", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget();
    const one = async (i: number) => {
      const payload = randomBytes(64 * 1024);
      const client = await rawConnect(proxy.port);
      client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\n\r\n`);
      await client.readUntil("\r\n\r\n");
      const headLength = client.received().length;
      client.write(payload);
      await within(
        (async () => {
          while (client.received().length < headLength + payload.length) await Bun.sleep(5);
        })(),
        15_000,
        `tunnel ${i} echo`,
      );
      const echoed = client.received().subarray(headLength);
      client.close();
      return sha(echoed) === sha(payload);
    };
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => one(i)));
    expect(results.every(Boolean)).toBe(true);
  }, 30_000);
});
