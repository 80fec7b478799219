/**
 * A CONNECT pipelined behind forwarded requests whose answers a slow client is still reading:
 * every answer byte queued for the client must reach it before `200 Connection established`,
 * and none may be lost (issue 11 item 5).
 *
 *   client ─N × GET (4 KiB answers) + CONNECT, one write─▶ proxy ─▶ origin │ ─CONNECT─▶ echo target
 *   client reads a chunk, pauses, reads the next … (slower than the proxy could produce) until the tunnel opens
 */
import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { okResponse, startHttpOrigin } from "../helpers/http-origin.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { startTcpTarget } from "../helpers/tcp-target.ts";
import { letTimePass, waitFor } from "../helpers/wait.ts";

/** 8 MiB in all: more than loopback's kernel buffers hold for a client that does not read. */
const COUNT = 2048;
const SIZE = 4096;
const ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";
/** The slow client's pause after each read: the subject of the test, not a synchronisation. */
const READ_PAUSE_MS = 50;

/** Body of the i-th answer: its index, padded, so a lost or reordered byte shows. */
function bodyFor(path: string): string {
  return `${path} `.padEnd(SIZE - 1, String.fromCharCode(65 + (path.length % 26))) + "\n";
}

/** Splits `bytes` into Content-Length responses; returns their bodies and what follows them. */
function splitResponses(bytes: Buffer, count: number): { bodies: string[]; rest: Buffer } {
  const bodies: string[] = [];
  let at = 0;
  while (bodies.length < count) {
    const headEnd = bytes.indexOf("\r\n\r\n", at);
    if (headEnd === -1) break;
    const head = bytes.subarray(at, headEnd).toString("latin1");
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
    if (!head.startsWith("HTTP/1.1 200 OK") || Number.isNaN(length)) break;
    bodies.push(bytes.subarray(headEnd + 4, headEnd + 4 + length).toString("latin1"));
    at = headEnd + 4 + length;
  }
  return { bodies, rest: bytes.subarray(at) };
}

describe("CONNECT pipelined behind forwarded requests", () => {
  test("the tunnel's 200 comes after every byte still queued for the client, none lost or overtaken", async () => {
    await using origin = startHttpOrigin({ respond: (req) => okResponse(bodyFor(req.line.split(" ")[1]!)) });
    await using target = startTcpTarget();
    await using proxy = await startTestProxy();

    const chunks: Buffer[] = [];
    let slow = true;
    const received = () => Buffer.concat(chunks);
    const client: Socket<undefined> = await Bun.connect({
      hostname: "127.0.0.1",
      port: proxy.port,
      socket: {
        data(socket, data) {
          chunks.push(Buffer.from(data));
          if (!slow) return;
          socket.pause();
          void letTimePass(READ_PAUSE_MS).then(() => socket.resume());
        },
      },
    });
    try {
      const tunnel = `127.0.0.1:${target.port}`;
      let requests = "";
      for (let i = 0; i < COUNT; i++) requests += `GET http://${origin.authority}/${i} HTTP/1.1\r\nHost: ${origin.authority}\r\n\r\n`;
      requests += `CONNECT ${tunnel} HTTP/1.1\r\nHost: ${tunnel}\r\n\r\n`;
      const bytes = Buffer.from(requests, "latin1");
      let sent = client.write(bytes);
      await waitFor(() => (sent += sent < bytes.length ? Math.max(0, client.write(bytes.subarray(sent))) : 0) >= bytes.length, 5000, "the requests sent");
      await waitFor(() => target.peers.length > 0, 20_000, "the tunnel to the target to open");
      slow = false;
      client.resume();
      await waitFor(() => received().includes(ESTABLISHED), 10_000, "the 200 at the client").catch((error) => {
        throw new Error(`${(error as Error).message}; got ${received().length} B, ${splitResponses(received(), COUNT).bodies.length} answers`);
      });
      const { bodies, rest } = splitResponses(received(), COUNT);
      expect(bodies.length).toBe(COUNT);
      for (let i = 0; i < COUNT; i++) if (bodies[i] !== bodyFor(`/${i}`)) throw new Error(`answer ${i} is wrong: ${JSON.stringify(bodies[i]?.slice(0, 40))}`);
      expect(rest.toString("latin1")).toBe(ESTABLISHED);
      client.write("ping");
      await waitFor(() => received().toString("latin1").endsWith(ESTABLISHED + "ping"), 5000, "the echo through the tunnel");
    } finally {
      client.terminate();
    }
  }, 40_000);
});
