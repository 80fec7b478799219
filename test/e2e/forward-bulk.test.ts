/**
 * Plain-HTTP forwarding under load: 100 MiB each way, streamed (every writer continues in
 * `drain`, since Bun's write() takes only what the kernel takes), compared by sha256; and the
 * proxy's memory stays flat while a slow reader downloads.
 */
import { describe, expect, test } from "bun:test";
import { createHash, randomBytes, type Hash } from "node:crypto";
import type { Socket } from "bun";
import { okResponse, startHttpOrigin } from "../helpers/http-origin.ts";
import { runCli } from "../helpers/cli.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { waitFor, within } from "../helpers/wait.ts";

const MiB = 1024 * 1024;
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface StreamingClient {
  /** Bytes of the response after its head. */
  bodyBytes: number;
  bodyHash: Hash;
  head: string;
  /** Resolves once the whole request (head and body) is handed to the kernel. */
  sent: Promise<void>;
  /** Resolves once `expectBody` body bytes have arrived. */
  receivedAll: Promise<void>;
  close(): void;
}

/**
 * A raw client through the proxy: writes `head` then `body` in 1 MiB slices, continuing on
 * drain, and hashes the response body after its head. `slowMs` pauses reading after each chunk.
 */
async function streamingClient(proxyPort: number, head: string, body: Uint8Array, expectBody: number, slowMs = 0): Promise<StreamingClient> {
  let onSent!: () => void;
  let onAll!: () => void;
  const state = {
    request: Buffer.concat([Buffer.from(head, "latin1")]),
    headSent: false,
    offset: 0,
    headBuf: Buffer.alloc(0),
    client: undefined as unknown as StreamingClient,
  };
  const client: StreamingClient = {
    bodyBytes: 0,
    bodyHash: createHash("sha256"),
    head: "",
    sent: new Promise((r) => (onSent = r)),
    receivedAll: new Promise((r) => (onAll = r)),
    close: () => socket.terminate(),
  };
  const pump = (s: Socket<undefined>) => {
    if (!state.headSent) {
      const n = s.write(state.request);
      if (n < state.request.length) {
        state.request = state.request.subarray(Math.max(n, 0));
        return;
      }
      state.headSent = true;
    }
    while (state.offset < body.length) {
      const n = s.write(body.subarray(state.offset, Math.min(body.length, state.offset + MiB)));
      if (n <= 0) return;
      state.offset += n;
    }
    onSent();
  };
  const take = (bytes: Uint8Array) => {
    client.bodyBytes += bytes.length;
    client.bodyHash.update(bytes);
    if (client.bodyBytes >= expectBody) onAll();
  };
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: proxyPort,
    socket: {
      open: pump,
      drain: pump,
      data(s, data) {
        if (!client.head) {
          state.headBuf = Buffer.concat([state.headBuf, data]);
          const end = state.headBuf.indexOf("\r\n\r\n");
          if (end === -1) return;
          client.head = state.headBuf.subarray(0, end + 4).toString("latin1");
          take(state.headBuf.subarray(end + 4));
        } else {
          take(data);
        }
        if (slowMs > 0) {
          s.pause();
          setTimeout(() => s.resume(), slowMs);
        }
      },
    },
  });
  return client;
}

/** An origin that answers every request with `payload` (Content-Length), written with backpressure. */
function downloadOrigin(payload: Uint8Array) {
  return startHttpOrigin({
    respond: (_req, conn) => {
      conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.length}\r\n\r\n`);
      void conn.stream(payload);
      return undefined;
    },
  });
}
describe("100 MiB through plain-HTTP forwarding", () => {
  test("a 100 MiB POST (Content-Length) arrives sha256-equal, streamed with backpressure", async () => {
    const payload = randomBytes(100 * MiB);
    await using origin = startHttpOrigin({ bodyMode: "hash", respond: (req) => okResponse(`${req.bodyLength} ${req.bodySha256}`) });
    await using proxy = await startTestProxy();
    const expected = `${payload.length} ${sha(payload)}`;
    const client = await streamingClient(
      proxy.port,
      `POST http://${origin.authority}/upload HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${payload.length}\r\n\r\n`,
      payload,
      expected.length,
    );
    try {
      await within(Promise.all([client.sent, client.receivedAll]), 30_000, "100 MiB up and the origin's digest back");
      expect(client.head).toStartWith("HTTP/1.1 200 OK\r\n");
      expect(client.bodyBytes).toBe(expected.length);
      expect(origin.requests[0]!.bodyLength).toBe(payload.length);
      expect(origin.requests[0]!.bodySha256).toBe(sha(payload));
    } finally {
      client.close();
    }
  }, 40_000);

  test("a 100 MiB download (Content-Length) arrives sha256-equal at a slow reader", async () => {
    const payload = randomBytes(100 * MiB);
    await using origin = downloadOrigin(payload);
    await using proxy = await startTestProxy();
    const client = await streamingClient(proxy.port, `GET http://${origin.authority}/big HTTP/1.1\r\n\r\n`, new Uint8Array(0), payload.length, 1);
    try {
      await within(client.receivedAll, 30_000, "100 MiB down");
      expect(client.head).toContain(`Content-Length: ${payload.length}\r\n`);
      expect(client.bodyBytes).toBe(payload.length);
      expect(client.bodyHash.digest("hex")).toBe(sha(payload));
    } finally {
      client.close();
    }
  }, 40_000);

  test("a 100 MiB chunked download from Bun.serve arrives sha256-equal through Bun fetch", async () => {
    const payload = randomBytes(100 * MiB);
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => {
        let offset = 0;
        // A default (not "bytes") stream: a byte stream would detach the payload's buffer on enqueue.
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (offset >= payload.length) return controller.close();
            controller.enqueue(payload.subarray(offset, offset + MiB));
            offset += MiB;
          },
        });
        return new Response(body);
      },
    });
    try {
      await using proxy = await startTestProxy();
      const response = await fetch(`http://127.0.0.1:${server.port}/stream`, { proxy: proxy.url });
      expect(response.headers.get("transfer-encoding")).toBe("chunked");
      const hash = createHash("sha256");
      let length = 0;
      await within(
        (async () => {
          for await (const chunk of response.body!) {
            hash.update(chunk);
            length += chunk.length;
          }
        })(),
        30_000,
        "100 MiB chunked",
      );
      expect(length).toBe(payload.length);
      expect(hash.digest("hex")).toBe(sha(payload));
      // It went through the proxy, not around it.
      await waitFor(() => proxy.logs.some((l) => l.includes(`GET 127.0.0.1:${server.port}/stream 200`)), 2000, "the proxy's log line");
    } finally {
      await server.stop(true);
    }
  }, 40_000);
});

describe.skipIf(process.platform !== "linux")("plain-HTTP forwarding memory", () => {
  async function statusKiB(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
    const status = await Bun.file(`/proc/${pid}/status`).text();
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]);
  }

  test("stays bounded while a slow reader downloads 64 MiB through the real CLI", async () => {
    const payload = randomBytes(64 * MiB);
    await using origin = downloadOrigin(payload);
    await using cli = runCli(["-p", "0"]);
    const port = await cli.port();
    const before = await statusKiB(cli.proc.pid, "VmRSS");
    const client = await streamingClient(port, `GET http://${origin.authority}/big HTTP/1.1\r\n\r\n`, new Uint8Array(0), payload.length, 2);
    try {
      await within(client.receivedAll, 30_000, "64 MiB to a slow reader");
      const peak = await statusKiB(cli.proc.pid, "VmHWM");
      expect(client.bodyHash.digest("hex")).toBe(sha(payload));
      // Unbounded buffering would put most of the 64 MiB in the proxy's heap.
      expect((peak - before) * 1024).toBeLessThan(24 * MiB);
    } finally {
      client.close();
    }
  }, 40_000);

  test("stays bounded while a client uploads 64 MiB to a slow origin through the real CLI", async () => {
    const payload = randomBytes(64 * MiB);
    await using origin = startHttpOrigin({ bodyMode: "hash", slowMs: 2, respond: (req) => okResponse(req.bodySha256) });
    await using cli = runCli(["-p", "0"]);
    const port = await cli.port();
    const before = await statusKiB(cli.proc.pid, "VmRSS");
    const digest = sha(payload);
    const client = await streamingClient(
      port,
      `PUT http://${origin.authority}/big HTTP/1.1\r\nContent-Length: ${payload.length}\r\n\r\n`,
      payload,
      digest.length,
    );
    try {
      await within(Promise.all([client.sent, client.receivedAll]), 30_000, "64 MiB to a slow origin");
      const peak = await statusKiB(cli.proc.pid, "VmHWM");
      expect(origin.requests[0]!.bodySha256).toBe(digest);
      expect((peak - before) * 1024).toBeLessThan(24 * MiB);
    } finally {
      client.close();
    }
  }, 40_000);
});
