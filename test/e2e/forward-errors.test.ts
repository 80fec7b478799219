/**
 * Plain-HTTP forwarding when things go wrong, and the upgrade path: upstream failures become
 * short text/plain statuses before the first response byte and a bare close after it; aborts
 * on either side close the other; a 101 turns the connection into a raw two-way pipe.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readResponses, send, sendUntilClose } from "../helpers/forward-client.ts";
import { closedPort, fieldValues, okResponse, parseResponses, splitResponse, startHttpOrigin } from "../helpers/http-origin.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { waitFor, within } from "../helpers/wait.ts";

/** A marker put in the path, a header and the body: error responses must not contain it. */
const MARKER = "zq-marker-<script>";

function expectPlainError(text: string, status: number, cause: RegExp): void {
  const { status: line, headers, body } = splitResponse(text);
  expect(line).toStartWith(`HTTP/1.1 ${status} `);
  expect(headers).toContain("Content-Type: text/plain; charset=utf-8");
  expect(headers).toContain("Connection: close");
  expect(headers).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  expect(body).toMatch(cause);
  expect(text).not.toContain("zq-marker");
}

const markedRequest = (authority: string) =>
  `POST http://${authority}/${encodeURIComponent(MARKER)}?${MARKER.slice(0, 9)} HTTP/1.1\r\nX-Marker: ${MARKER}\r\nContent-Length: 4\r\n\r\nzq-m`;

describe("upstream failures before the response", () => {
  test("answers 502 naming ECONNREFUSED when nothing listens, echoing nothing of the request", async () => {
    await using proxy = await startTestProxy();
    const port = closedPort();
    const text = await sendUntilClose(proxy.port, markedRequest(`127.0.0.1:${port}`));
    expectPlainError(text, 502, /ECONNREFUSED/);
  });

  test("answers 502 to a client in the middle of an 8 MiB upload, and the client gets to read it", async () => {
    await using proxy = await startTestProxy();
    const port = closedPort();
    const client = await rawConnect(proxy.port);
    try {
      const body = Buffer.alloc(8 * 1024 * 1024, 0x61);
      client.write(`POST http://127.0.0.1:${port}/ HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n`);
      client.write(body);
      await within(client.ended, 5000, "proxy ends the connection");
      expectPlainError(client.text(), 502, /ECONNREFUSED/);
    } finally {
      client.close();
    }
  });

  test("answers 504 when no response head arrives within responseTimeoutMs, and closes the upstream", async () => {
    await using origin = startHttpOrigin({ respond: () => undefined });
    await using proxy = await startTestProxy({ responseTimeoutMs: 300 });
    const started = performance.now();
    const text = await sendUntilClose(proxy.port, markedRequest(origin.authority));
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expectPlainError(text, 504, /no response/);
    await waitFor(() => origin.conns[0]?.closed, 1000, "the proxy to close the silent upstream");
  });

  test("counts the response timeout from the last request byte, so a slow upload is not cut off with 504", async () => {
    await using origin = startHttpOrigin({ respond: () => okResponse("got it") });
    await using proxy = await startTestProxy({ responseTimeoutMs: 400 });
    const client = await rawConnect(proxy.port);
    try {
      client.write(`POST http://${origin.authority}/slow HTTP/1.1\r\nContent-Length: 6\r\n\r\n`);
      // The client sends one byte at a time, each only after the origin has the previous one, for
      // well over the timeout in total; nothing may come back before the body is complete.
      const started = performance.now();
      for (let i = 0; i < 6; i++) {
        client.write("x");
        await waitFor(() => origin.conns[0]?.received().toString().endsWith("x".repeat(i + 1)), 2000, `byte ${i + 1} at the origin`);
        if (i < 5) await expect(client.readUntil("HTTP/1.1", 150)).rejects.toThrow(/timeout/);
      }
      expect(performance.now() - started).toBeGreaterThan(600); // 5 × 150 ms: past the 400 ms timeout
      const [res] = await readResponses(client, 1);
      expect(res!.body).toBe("got it");
    } finally {
      client.close();
    }
  });

  test("answers 504 when a head starts but never completes within responseTimeoutMs", async () => {
    await using origin = startHttpOrigin({ respond: () => "HTTP/1.1 200 OK\r\nContent-Le" });
    await using proxy = await startTestProxy({ responseTimeoutMs: 300 });
    expectPlainError(await sendUntilClose(proxy.port, markedRequest(origin.authority)), 504, /no response/);
  });

  const malformed: [string, string][] = [
    ["a malformed status line", "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n"],
    ["a non-HTTP reply", "SSH-2.0-OpenSSH_9.6\r\n\r\n"],
    ["an HTTP/2 status line", "HTTP/2 200\r\n\r\n"],
    ["whitespace before a colon in a response field", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"],
    ["a 101 to a request that asked for no upgrade", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"],
  ];
  for (const [what, reply] of malformed) {
    test(`answers 502 to ${what}`, async () => {
      await using origin = startHttpOrigin({ respond: () => reply });
      await using proxy = await startTestProxy();
      expectPlainError(await sendUntilClose(proxy.port, markedRequest(origin.authority)), 502, /bad response from upstream/);
    });
  }

  test("answers 502 to a response head over 64 KiB", async () => {
    await using origin = startHttpOrigin({ respond: () => `HTTP/1.1 200 OK\r\n${`X-Big: ${"x".repeat(1000)}\r\n`.repeat(70)}\r\n` });
    await using proxy = await startTestProxy();
    expectPlainError(await sendUntilClose(proxy.port, markedRequest(origin.authority)), 502, /too large/);
  });

  test("answers 502 when the origin closes without responding", async () => {
    await using origin = startHttpOrigin({
      respond: (_req, conn) => {
        conn.end();
        return undefined;
      },
    });
    await using proxy = await startTestProxy();
    expectPlainError(await sendUntilClose(proxy.port, markedRequest(origin.authority)), 502, /closed the connection before responding/);
  });
});

describe("aborts", () => {
  test("closes the upstream within 1 s when the client aborts mid-request body", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    client.write(`POST http://${origin.authority}/ HTTP/1.1\r\nContent-Length: 1000\r\n\r\npartial`);
    await waitFor(() => origin.conns[0]?.received().toString().includes("partial"), 3000, "partial body at the origin");
    client.close();
    await waitFor(() => origin.conns[0]!.closed, 1000, "the upstream to close");
  });

  test("closes the upstream within 1 s when the client half-closes mid-request body (the request can never finish)", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(`POST http://${origin.authority}/ HTTP/1.1\r\nContent-Length: 1000\r\n\r\npartial`);
      await waitFor(() => origin.conns[0]?.received().toString().includes("partial"), 3000, "partial body at the origin");
      client.socket.shutdown();
      await waitFor(() => origin.conns[0]!.ended, 1000, "the upstream to be closed or ended");
    } finally {
      client.close();
    }
  });

  test("closes the upstream within 1 s when the client aborts while waiting for the response", async () => {
    await using origin = startHttpOrigin({ respond: () => undefined });
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    client.write(`GET http://${origin.authority}/ HTTP/1.1\r\n\r\n`);
    await waitFor(() => origin.requests.length === 1, 3000, "request at the origin");
    client.close();
    await waitFor(() => origin.conns[0]!.closed, 1000, "the upstream to close");
    await waitFor(() => proxy.openConnections() === 0, 1000, "the proxy to forget the connection");
  });

  // The origin stops mid-body: the proxy cannot end the response cleanly, so it closes.
  for (const cut of [
    {
      what: "the origin aborts mid-response (no clean end, no second response)",
      wire: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhalf of it",
      hangUp: "destroy",
      tail: "half of it",
    },
    {
      what: "a chunked response is cut off mid-chunk",
      wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort",
      hangUp: "end",
      tail: "short",
    },
  ] as const) {
    test(`closes the client connection when ${cut.what}`, async () => {
      await using origin = startHttpOrigin({
        respond: (_req, conn) => {
          conn.write(cut.wire);
          conn[cut.hangUp]();
          return undefined;
        },
      });
      await using proxy = await startTestProxy();
      const client = await rawConnect(proxy.port);
      try {
        client.write(`GET http://${origin.authority}/ HTTP/1.1\r\n\r\n`);
        await within(client.ended, 2000, "the proxy to close the client connection");
        const text = client.text();
        expect(text).toStartWith("HTTP/1.1 200 OK\r\n");
        expect(text).toEndWith(cut.tail);
      } finally {
        client.close();
      }
    });
  }

  test("closes both sides of an exchange in flight when the proxy shuts down", async () => {
    await using origin = startHttpOrigin({ respond: () => undefined });
    const proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(`GET http://${origin.authority}/ HTTP/1.1\r\n\r\n`);
      await waitFor(() => origin.requests.length === 1, 3000, "request at the origin");
      await within(proxy.close(), 3000, "proxy.close()");
      await within(client.ended, 1000, "client connection closed");
      await waitFor(() => origin.conns[0]!.closed, 1000, "upstream closed");
    } finally {
      client.close();
      await proxy.close();
    }
  });
});

describe("upgrade (101) over absolute-form", () => {
  test("relays the 101 with Upgrade, then pipes raw bytes both ways, including bytes sent with the 101", async () => {
    await using origin = startHttpOrigin({
      respond: (_req, conn) => {
        conn.echoRaw = true;
        return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo/1\r\nConnection: Upgrade\r\nX-Kept: y\r\n\r\nhello from origin|";
      },
    });
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(`GET http://${origin.authority}/chat HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: echo/1\r\nProxy-Authorization: Basic x\r\n\r\n`);
      await client.readUntil("hello from origin|", 3000);
      const req = origin.requests[0]!;
      expect(req.head).toBe(`GET /chat HTTP/1.1\r\nHost: ${origin.authority}\r\nUpgrade: echo/1\r\nConnection: Upgrade\r\nVia: 1.1 mcp-proxy\r\n\r\n`);
      const head = splitResponse(client.text());
      expect(head.status).toBe("HTTP/1.1 101 Switching Protocols");
      expect(head.headers).toContain("Upgrade: echo/1");
      expect(head.headers).toContain("X-Kept: y");
      expect(head.headers.filter((h) => h.toLowerCase().startsWith("connection"))).toEqual(["Connection: Upgrade"]);
      // Raw bytes, not HTTP: an HTTP-looking line and binary must come back untouched.
      const binary = Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]).toString("latin1");
      client.write(`GET http://x/ HTTP/1.1\r\n\r\n${binary}ping`);
      await client.readUntil(`${binary}ping`, 3000);
      expect(client.text().endsWith(`hello from origin|GET http://x/ HTTP/1.1\r\n\r\n${binary}ping`)).toBe(true);
    } finally {
      client.close();
    }
    await waitFor(() => origin.conns[0]!.closed, 1000, "the upstream to close after the client");
  });

  test("forwards bytes the client sent right behind its upgrade request once the 101 arrives", async () => {
    await using origin = startHttpOrigin({
      respond: (_req, conn) => {
        conn.echoRaw = true;
        return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo/1\r\nConnection: Upgrade\r\n\r\n";
      },
    });
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(`GET http://${origin.authority}/ HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: echo/1\r\n\r\nearly bytes`);
      await client.readUntil("\r\n\r\nearly bytes", 3000);
    } finally {
      client.close();
    }
  });

  test("pipes a real WebSocket echo (Bun.serve origin) through the proxy with a raw client", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response("no upgrade", { status: 400 })),
      websocket: { message: (ws, message) => void ws.send(`echo:${message}`) },
    });
    try {
      await using proxy = await startTestProxy();
      const key = Buffer.from("0123456789abcdef").toString("base64");
      const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      const client = await rawConnect(proxy.port);
      try {
        client.write(
          `GET http://127.0.0.1:${server.port}/ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`,
        );
        const head = splitResponse(await client.readUntil("\r\n\r\n", 3000));
        expect(head.status).toStartWith("HTTP/1.1 101");
        expect(head.headers.map((h) => h.toLowerCase())).toContain(`sec-websocket-accept: ${accept.toLowerCase()}`);
        const before = client.received().length;
        client.write(maskedTextFrame("hi there"));
        await waitFor(() => client.received().length >= before + 2 + "echo:hi there".length, 3000, "the echo frame");
        const frame = client.received().subarray(before);
        expect(frame[0]).toBe(0x81); // FIN + text
        expect(frame[1]).toBe("echo:hi there".length);
        expect(frame.subarray(2).toString()).toBe("echo:hi there");
      } finally {
        client.close();
      }
    } finally {
      await server.stop(true);
    }
  });

  test("a refused upgrade (origin answers 200) is an ordinary response, and the connection is closed after it", async () => {
    await using origin = startHttpOrigin({ respond: () => okResponse("no upgrade for you") });
    await using proxy = await startTestProxy();
    const text = await sendUntilClose(proxy.port, `GET http://${origin.authority}/ HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    const [res] = parseResponses(text, true);
    expect(res!.body).toBe("no upgrade for you");
    expect(fieldValues(res!, "connection")).toEqual(["close"]);
  });
});

/** A client→server WebSocket text frame (RFC 6455 §5.2): short payload, masked. */
function maskedTextFrame(text: string): Uint8Array {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const out = Buffer.alloc(2 + 4 + payload.length);
  out[0] = 0x81;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i]! ^ mask[i % 4]!;
  return out;
}

test("readResponses rejects when the connection ends short (guards the helper)", async () => {
  await using origin = startHttpOrigin({ respond: () => okResponse("one") });
  await using proxy = await startTestProxy();
  const get = `GET http://${origin.authority}/ HTTP/1.1\r\nConnection: close\r\n\r\n`;
  await expect(send(proxy.port, get, 2)).rejects.toThrow(/ended after 1 of 2/);
  void readResponses;
});
