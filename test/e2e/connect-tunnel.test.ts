import { describe, expect, test } from "bun:test";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { startTcpTarget } from "../helpers/tcp-target.ts";
import { waitFor } from "../helpers/wait.ts";

const established = "HTTP/1.1 200 Connection established\r\n\r\n";

describe("CONNECT tunnel", () => {
  test("answers 200 with no framing headers and relays bytes both ways", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget();
    const client = await rawConnect(proxy.port);
    client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\n\r\n`);
    await client.readUntil("\r\n\r\n");
    expect(client.text()).toBe(established);
    client.write("ping");
    await client.readUntil("ping");
    expect(client.text()).toBe(`${established}ping`);
    client.close();
  });

  test("delivers bytes sent in the same packet as the CONNECT head", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget();
    const client = await rawConnect(proxy.port);
    client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\n\r\nearly-bytes`);
    await client.readUntil("early-bytes");
    expect(client.text()).toBe(`${established}early-bytes`);
    client.close();
  });

  test("accepts a CONNECT head split into 1-byte writes", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget();
    const client = await rawConnect(proxy.port);
    client.socket.setNoDelay(true);
    const head = `CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: x\r\n\r\n`;
    for (const ch of head) {
      client.write(ch);
      await Bun.sleep(0);
    }
    await client.readUntil(established);
    client.write("after");
    await client.readUntil("after");
    client.close();
  });

  test("reaches an IPv6 literal target on ::1", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget({ hostname: "::1" });
    const client = await rawConnect(proxy.port);
    client.write(`CONNECT [::1]:${target.port} HTTP/1.1\r\n\r\nv6`);
    await client.readUntil("v6");
    expect(client.text()).toBe(`${established}v6`);
    client.close();
  });

  test("closes the upstream within 1 s when the client aborts", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget();
    const client = await rawConnect(proxy.port);
    client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\n\r\nx`);
    await client.readUntil("x");
    client.close();
    await waitFor(() => target.peers[0]?.closed, 1000, "upstream closed");
    await waitFor(() => proxy.openConnections() === 0, 1000, "registry empty");
  });

  test("closes the client within 1 s when the upstream aborts", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget();
    const client = await rawConnect(proxy.port);
    client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\n\r\nx`);
    await client.readUntil("x");
    target.peers[0]!.socket.terminate();
    await Promise.race([client.closed, Bun.sleep(1000).then(() => Promise.reject(new Error("client not closed")))]);
    await waitFor(() => proxy.openConnections() === 0, 1000, "registry empty");
  });
});
