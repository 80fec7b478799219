import { describe, expect, test } from "bun:test";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { within } from "../helpers/wait.ts";
import { healthz, healthzBody } from "../helpers/healthz.ts";

async function exchange(port: number, bytes: string | Uint8Array): Promise<string> {
  const client = await rawConnect(port);
  client.write(bytes);
  await within(client.ended, 5000, "proxy ends the connection");
  client.close();
  return client.text();
}

const statusLine = (response: string) => response.split("\r\n")[0];

/** The first bytes of a TLS 1.2 ClientHello, as a browser sends to a plain-HTTP port by mistake. */
const clientHello = new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x5a, 0x5b]);

describe("the front", () => {
  test("hands origin-form requests to the internal app (GET /healthz)", async () => {
    await using proxy = await startTestProxy();
    const response = await fetch(`${proxy.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(healthz);
  });

  test("hands over an origin-form head that arrives in parts whole, instead of losing the first part", async () => {
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n`);
      // A turn of the event loop between the parts, so that they leave as separate segments
      // (written together they would reach the proxy as one chunk and test nothing).
      await within(Bun.sleep(0), 1000, "a turn of the loop");
      client.write("Connection: close\r\n");
      client.write("\r\n");
      expect(await client.readUntil(healthzBody)).toStartWith("HTTP/1.1 200");
    } finally {
      client.close();
    }
  });

  test("answers GET /sse with 400 and says to start with --sse when the bridge is off", async () => {
    await using proxy = await startTestProxy();
    const response = await fetch(`${proxy.url}/sse`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("--sse");
  });

  test("keeps a client connection to the app alive across requests", async () => {
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    const get = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n\r\n`;
    client.write(get);
    await client.readUntil(healthzBody);
    client.write(get);
    await client.readUntil(/"name":"mcp-proxy"[\s\S]*"name":"mcp-proxy"/);
    client.close();
  });

  test("refuses a TLS ClientHello on the plain port with 400, then keeps serving", async () => {
    await using proxy = await startTestProxy();
    expect(statusLine(await exchange(proxy.port, clientHello))).toBe("HTTP/1.1 400 Bad Request");
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
  });

  test("refuses a malformed request line (BIG FART / HTTP/1.1) with 400, then keeps serving", async () => {
    await using proxy = await startTestProxy();
    const response = await exchange(proxy.port, "BIG FART / HTTP/1.1\r\n\r\n");
    expect(statusLine(response)).toBe("HTTP/1.1 400 Bad Request");
    expect(response).toContain("Connection: close");
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
  });

  test("refuses a request line over 16 KiB with 414", async () => {
    await using proxy = await startTestProxy();
    const response = await exchange(proxy.port, `GET /${"a".repeat(17 * 1024)}`);
    expect(statusLine(response)).toBe("HTTP/1.1 414 URI Too Long");
  });

  test("refuses a CONNECT head over 64 KiB with 431", async () => {
    await using proxy = await startTestProxy();
    const header = `X-Filler: ${"b".repeat(1000)}\r\n`;
    const response = await exchange(proxy.port, `CONNECT 127.0.0.1:9 HTTP/1.1\r\n${header.repeat(70)}`);
    expect(statusLine(response)).toBe("HTTP/1.1 431 Request Header Fields Too Large");
  });

  test("closes a connection whose head never completes after the header timeout (408)", async () => {
    await using proxy = await startTestProxy({ headerTimeoutMs: 200 });
    const response = await exchange(proxy.port, "CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: x\r\n");
    expect(statusLine(response)).toBe("HTTP/1.1 408 Request Timeout");
  });

  test("hands an absolute-form request to forwarding (502 when its origin refuses)", async () => {
    await using proxy = await startTestProxy();
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    const response = await exchange(proxy.port, `GET http://127.0.0.1:${port}/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    expect(statusLine(response)).toBe("HTTP/1.1 502 Bad Gateway");
  });

  test("closes every connection and stops listening on close()", async () => {
    const proxy = await startTestProxy();
    const idle = await rawConnect(proxy.port);
    idle.write("CONN");
    await proxy.close();
    await within(idle.closed, 2000, "idle client closed");
    expect(proxy.openConnections()).toBe(0);
    await expect(rawConnect(proxy.port)).rejects.toThrow();
  });
});
