/**
 * Every client connection is bounded (issue 11): idle kept-alive connections close after
 * --idle-timeout on every route, a slow head is cut at --header-timeout, and past
 * --max-connections (or the fd limit) new clients are refused at once while the rest work.
 */
import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { readdirSync, readFileSync } from "node:fs";
import { runCli, cliPath } from "../helpers/cli.ts";
import { healthzBody } from "../helpers/healthz.ts";
import { okResponse, startHttpOrigin } from "../helpers/http-origin.ts";
import { mcpHttp } from "../helpers/mcp-http.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { startTcpTarget } from "../helpers/tcp-target.ts";
import { rawConnect, type RawClient } from "../helpers/raw-client.ts";
import { openSse } from "../helpers/sse-client.ts";
import { letTimePass, waitFor, within } from "../helpers/wait.ts";

const IDLE_MS = 400;

/** A kept-alive client that sent `request` and read its whole answer (ending in `until`). */
async function keptAlive(port: number, request: string, until: string | RegExp): Promise<RawClient> {
  const client = await rawConnect(port);
  client.write(request);
  await client.readUntil(until, 5000);
  return client;
}

const get = (port: number, path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;

/** CPU time (user + system, in clock ticks of 10 ms) the process has used so far. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU use of `pid` over `ms`, as a fraction of one core. */
async function cpuOver(pid: number, ms: number): Promise<number> {
  const before = cpuTicks(pid);
  await letTimePass(ms);
  return ((cpuTicks(pid) - before) * 10) / ms;
}

/** Opens a client and asks for /healthz: "200", "503", or "closed" when refused without an answer. */
async function probe(port: number): Promise<string> {
  const client = await rawConnect(port);
  client.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  const answer = await Promise.race([client.readUntil(/^HTTP\/1\.1 \d{3}/, 3000), client.ended.then(() => "")]);
  return answer ? answer.slice(9, 12) : client.text() ? client.text().slice(9, 12) : "closed";
}

describe("--idle-timeout", () => {
  test("closes idle kept-alive connections on /healthz, /mcp, /messages and a forwarded host, not an SSE stream or a pending --json-response call", async () => {
    await using origin = startHttpOrigin({ respond: () => okResponse("hello") });
    await using proxy = await startTestProxy({ sse: echoServer(), jsonResponse: true, idleTimeoutMs: IDLE_MS, keepaliveMs: 60_000 });
    const port = proxy.port;
    await using sse = await openSse(proxy.url);
    await using mcp = mcpHttp(proxy.url);
    await mcp.initialize();
    const held = mcp.post({ jsonrpc: "2.0", id: 7, method: "fixture/hold" });

    const opened = performance.now();
    const idle = await Promise.all([
      keptAlive(port, get(port, "/healthz"), healthzBody),
      keptAlive(port, get(port, "/mcp"), /\r\n\r\n[^]*\S/),
      keptAlive(port, `POST /messages?session_id=nope HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`, /\r\n\r\n[^]*\S/),
      keptAlive(port, `GET http://127.0.0.1:${origin.port}/x HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`, "hello"),
    ]);
    for (const client of idle) expect(client.text()).not.toMatch(/connection: close/i);
    await within(Promise.all(idle.map((client) => client.ended)), 5000, "the proxy to close every idle connection");
    const elapsed = performance.now() - opened;
    expect(elapsed).toBeGreaterThanOrEqual(IDLE_MS * 0.9);
    // Quiet all along (keep-alive comments every 60 s), yet both outlived the idle timeout.
    await letTimePass(IDLE_MS * 2);
    expect((await sse.post({ jsonrpc: "2.0", id: 1, method: "ping" })).status).toBe(202);
    expect((await sse.response_(1)).result).toEqual({});
    await mcp.post({ jsonrpc: "2.0", method: "fixture/release" });
    expect(await (await within(held, 5000, "the held call")).json()).toEqual({ jsonrpc: "2.0", id: 7, result: { released: true } });
    for (const client of idle) client.close();
  });

  const postHead = (port: number, length: number) =>
    `POST /messages?session_id=nope HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

  test("cuts a request body that stops coming on the app path, with 408", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), idleTimeoutMs: IDLE_MS });
    const client = await rawConnect(proxy.port);
    const started = performance.now();
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 100\r\n\r\n`;
    client.write(`${head}{"jsonrpc":`);
    await within(client.ended, 5000, "the proxy to cut the stalled body");
    expect(performance.now() - started).toBeGreaterThanOrEqual(IDLE_MS * 0.9);
    expect(client.text()).toStartWith("HTTP/1.1 408");
    expect(proxy.logs.join("\n")).toContain("request body stalled");
    client.close();
  });

  test("closes a stalled body the app has answered already, without a second answer", async () => {
    await using proxy = await startTestProxy({ idleTimeoutMs: IDLE_MS }); // no bridge: /messages answers 400 at once
    const client = await rawConnect(proxy.port);
    client.write(`${postHead(proxy.port, 100)}{"jsonrpc":`);
    await within(client.ended, 5000, "the proxy to close the stalled body");
    expect(client.text()).toStartWith("HTTP/1.1 400");
    expect(client.text()).not.toContain("408");
    client.close();
  });

  test("keeps a request body that trickles in faster than the idle timeout", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), idleTimeoutMs: IDLE_MS });
    const client = await rawConnect(proxy.port);
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n`;
    client.write(head);
    const pieces = 8; // twice the idle timeout in all, never idle for one
    const size = Math.ceil(body.length / pieces);
    for (let i = 0; i < pieces; i++) {
      await letTimePass(IDLE_MS / 4);
      expect(client.text()).toBe(""); // the app waits for the whole body; nothing cut it
      client.write(body.slice(i * size, (i + 1) * size));
    }
    await client.readUntil(/^HTTP\/1\.1 \d{3}/, 3000);
    expect(client.text()).toStartWith("HTTP/1.1 200");
    client.close();
  });

  test("cuts a forwarded request body that stops coming, with 408, and closes the upstream", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy({ idleTimeoutMs: IDLE_MS });
    const client = await rawConnect(proxy.port);
    const started = performance.now();
    client.write(`POST http://127.0.0.1:${origin.port}/upload HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nContent-Length: 100\r\n\r\n0123456789`);
    await within(client.ended, 5000, "the proxy to cut the stalled body");
    expect(performance.now() - started).toBeGreaterThanOrEqual(IDLE_MS * 0.9);
    expect(client.text()).toStartWith("HTTP/1.1 408");
    expect(client.text()).toContain("request body not received in time");
    expect(origin.requests).toHaveLength(0); // the origin never saw a whole request
    expect(origin.conns).toHaveLength(1); // the head and the first bytes went up
    await waitFor(() => origin.conns[0]!.closed, 3000, "the upstream closed");
    client.close();
  });

  test("keeps a forwarded request body that trickles in faster than the idle timeout", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy({ idleTimeoutMs: IDLE_MS });
    const client = await rawConnect(proxy.port);
    const body = "x".repeat(8);
    client.write(`POST http://127.0.0.1:${origin.port}/upload HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nContent-Length: ${body.length}\r\n\r\n`);
    for (const byte of body) {
      await letTimePass(IDLE_MS / 4); // twice the idle timeout in all, never idle for one
      expect(client.text()).toBe("");
      client.write(byte);
    }
    await client.readUntil(body, 3000);
    expect(client.text()).toStartWith("HTTP/1.1 200");
    expect(origin.requests[0]!.rawBody.toString()).toBe(body);
    client.close();
  });

  test("does not cut a forwarded body that waits on an upstream slow to read it", async () => {
    const bodyLength = 32 * 1024 * 1024; // past every socket buffer on the way
    let upstream: Socket<undefined> | undefined;
    let head = Buffer.alloc(0);
    let received = -1;
    // An origin that takes nothing for a while: the proxy's queue to it fills, and the proxy
    // stops reading the client. The stall is then the proxy's side, not the client's.
    using origin = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(socket) {
          upstream = socket;
          socket.pause();
        },
        data(socket, chunk) {
          if (received === -1) {
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf("\r\n\r\n");
            if (end === -1) return;
            received = head.length - end - 4;
          } else received += chunk.length;
          if (received >= bodyLength) socket.end("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndone");
        },
      },
    });
    await using proxy = await startTestProxy({ idleTimeoutMs: IDLE_MS });
    const client = await rawConnect(proxy.port);
    client.write(`POST http://127.0.0.1:${origin.port}/upload HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nContent-Length: ${bodyLength}\r\n\r\n`);
    client.write(Buffer.alloc(bodyLength, 0x78));
    await waitFor(() => upstream, 3000, "the upstream connection");
    await letTimePass(IDLE_MS * 3); // three idle timeouts with the body held up by the origin
    expect(client.text()).toBe("");
    upstream!.resume();
    await client.readUntil("done", 20_000);
    expect(client.text()).toStartWith("HTTP/1.1 200");
    client.close();
  });

  test("keeps a connection that sends its next request in time", async () => {
    await using proxy = await startTestProxy({ idleTimeoutMs: IDLE_MS });
    const client = await keptAlive(proxy.port, get(proxy.port, "/healthz"), healthzBody);
    await letTimePass(IDLE_MS / 2);
    client.write(get(proxy.port, "/healthz"));
    await waitFor(() => client.text().split(healthzBody).length === 3, 3000, "the second answer");
    await within(client.ended, 3000, "the idle close after the second answer");
    client.close();
  });
});

describe("--header-timeout", () => {
  /**
   * Sends the request line of `head` at once (the front used to hand the connection to the app
   * right then), the rest a byte every 50 ms until the proxy ends the connection; resolves with
   * the ms until then.
   */
  async function trickle(client: RawClient, head: string): Promise<number> {
    const started = performance.now();
    let ended = false;
    void client.ended.then(() => (ended = true));
    const lineEnd = head.indexOf("\n") + 1;
    client.write(head.slice(0, lineEnd));
    for (let i = lineEnd; i < head.length && !ended; i++) {
      client.write(head[i]!);
      await letTimePass(50);
    }
    await within(client.ended, 3000, "the proxy to cut the slow head");
    return performance.now() - started;
  }

  const slowHead = (port: number) => `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Pad: ${"a".repeat(60)}\r\n\r\n`;

  test("cuts an origin-form head sent a byte at a time at the timeout, with 408", async () => {
    await using proxy = await startTestProxy({ headerTimeoutMs: 500 });
    const client = await rawConnect(proxy.port);
    const ms = await trickle(client, slowHead(proxy.port)); // ~5 s of bytes if nobody cut it
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1500);
    expect(client.text()).toStartWith("HTTP/1.1 408");
    client.close();
  });

  test("cuts a slow second head on a kept-alive app connection too", async () => {
    await using proxy = await startTestProxy({ headerTimeoutMs: 500, idleTimeoutMs: 60_000 });
    const client = await keptAlive(proxy.port, get(proxy.port, "/healthz"), healthzBody);
    const ms = await trickle(client, slowHead(proxy.port));
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1500);
    expect(client.text()).toContain("HTTP/1.1 408");
    client.close();
  });

  test("cuts a slow second head on a kept-alive forwarding connection too", async () => {
    await using origin = startHttpOrigin({ respond: () => okResponse("hello") });
    await using proxy = await startTestProxy({ headerTimeoutMs: 500, idleTimeoutMs: 60_000 });
    const request = `GET http://127.0.0.1:${origin.port}/x HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nX-Pad: ${"a".repeat(60)}\r\n\r\n`;
    const client = await keptAlive(proxy.port, request, "hello");
    const ms = await trickle(client, request);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1500);
    expect(client.text()).toContain("HTTP/1.1 408");
    expect(origin.requests).toHaveLength(1);
    client.close();
  });
});

describe("--max-connections", () => {
  test("refuses the next client at once, keeps serving the others at low CPU, and serves again once one leaves", async () => {
    await using cli = runCli(["-p", "0", "--max-connections", "3"]);
    const port = await cli.port();
    const held = await Promise.all([1, 2, 3].map(() => keptAlive(port, get(port, "/healthz"), healthzBody)));
    const started = performance.now();
    expect(await probe(port)).toBe("closed");
    expect(performance.now() - started).toBeLessThan(1000);
    for (const client of held) client.write(get(port, "/healthz"));
    await waitFor(() => held.every((client) => client.text().split(healthzBody).length === 3), 3000, "the held clients served again");
    for (let i = 0; i < 20; i++) expect(await probe(port)).toBe("closed");
    expect(await cpuOver(cli.proc.pid, 1000)).toBeLessThan(0.2);
    expect(cli.stderr().match(/connection refused/g)?.length).toBe(1); // one warning per interval
    held[0]!.close();
    await waitFor(async () => (await probe(port)) === "200", 3000, "service again after a client left");
    for (const client of held) client.close();
  });
  test("gives a place back for every connection that ends, however it ends", async () => {
    await using proxy = await startTestProxy({ maxConnections: 2, headerTimeoutMs: 300 });
    const port = proxy.port;
    for (let i = 0; i < 4; i++) {
      const reset = await keptAlive(port, get(port, "/healthz"), healthzBody);
      reset.socket.terminate(); // RST
      const quiet = await rawConnect(port); // no head: cut at --header-timeout
      await within(quiet.ended, 3000, "the head timeout");
      quiet.close();
      const half = await rawConnect(port);
      half.write(get(port, "/healthz"));
      half.socket.shutdown(); // FIN after a request: answered, then closed
      await within(half.ended, 3000, "the close after the answer");
      half.close();
    }
    const both = await Promise.all([1, 2].map(() => keptAlive(port, get(port, "/healthz"), healthzBody)));
    expect(await probe(port)).toBe("closed");
    for (const client of both) client.close();
  });
});

describe("out of file descriptors", () => {
  test("under `ulimit -n 256` refuses the newest clients instead of spinning, and recovers when they close", async () => {
    const command = `ulimit -n 256; exec ${process.execPath} ${cliPath} -p 0 --max-connections 1000`;
    await using cli = runCli(["-c", command], {}, "/bin/sh");
    const port = await cli.port();
    const held: RawClient[] = [];
    let refused = "";
    for (let i = 0; i < 200 && !refused; i++) {
      const client = await rawConnect(port);
      client.write(get(port, "/healthz"));
      const answer = await Promise.race([client.readUntil(healthzBody, 3000).then(() => "200"), client.ended.then(() => "ended")]);
      if (answer === "200") held.push(client);
      else refused = client.text().slice(9, 12) || "closed";
    }
    expect(held.length).toBeGreaterThan(20);
    expect(held.length).toBeLessThan(200);
    expect(["503", "closed"]).toContain(refused);
    expect(cli.stderr()).toContain("out of file descriptors");
    expect(await cpuOver(cli.proc.pid, 1000)).toBeLessThan(0.2);
    // The clients already in keep working.
    held[0]!.write(get(port, "/healthz"));
    await waitFor(() => held[0]!.text().split(healthzBody).length === 3, 3000, "a held client served again");
    for (const client of held) client.close();
    await waitFor(async () => (await probe(port)) === "200", 5000, "service again once the fds are free");
  });

  test("stops accepting instead of spinning when accept itself finds no fd, and accepts again once they are free", async () => {
    const command = `ulimit -n 256; exec ${process.execPath} ${cliPath} -p 0 --max-connections 1000`;
    await using cli = runCli(["-c", command], {}, "/bin/sh");
    const port = await cli.port();
    const early = await keptAlive(port, get(port, "/healthz"), healthzBody);
    // Connections that send nothing hold one fd each, and nothing connects onward to fail first.
    const quiet = await Promise.all(Array.from({ length: 300 }, () => rawConnect(port)));
    await waitFor(() => readdirSync(`/proc/${cli.proc.pid}/fd`).length >= 250, 5000, "the proxy to reach its fd limit");
    await letTimePass(500); // the proxy looks every 250 ms
    expect(await cpuOver(cli.proc.pid, 1000)).toBeLessThan(0.2);
    expect(cli.stderr()).toContain("no file descriptor left to accept with");
    // A connection from before keeps being served (on its app connection) while the port does not accept.
    early.write(get(port, "/healthz"));
    await waitFor(() => early.text().split(healthzBody).length === 3, 3000, "the early client served again");
    for (const client of [early, ...quiet]) client.close();
    await waitFor(async () => (await probe(port).catch(() => "refused")) === "200", 5000, "service again once the fds are free");
  });

  test("a CONNECT whose upstream finds no fd left is answered 503 (the proxy's shortage), not a 502 that blames the target", async () => {
    await using target = startTcpTarget();
    const command = `ulimit -n 64; exec ${process.execPath} ${cliPath} -p 0 --max-connections 1000 --header-timeout 60`;
    await using cli = runCli(["-c", command], {}, "/bin/sh");
    const port = await cli.port();
    const fds = () => readdirSync(`/proc/${cli.proc.pid}/fd`).length;
    // Quiet connections (one fd each, nothing onward) until one fd is left: the CONNECT's accept
    // takes it, and the socket for its upstream finds none.
    const quiet: RawClient[] = [];
    while (fds() < 63) {
      const before = fds();
      quiet.push(await rawConnect(port));
      await waitFor(() => fds() > before, 3000, "the quiet connection accepted");
    }
    expect(fds()).toBe(63);
    const client = await rawConnect(port);
    client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\n\r\n`);
    await within(client.ended, 5000, "the refused CONNECT closed");
    expect(client.text()).toStartWith("HTTP/1.1 503 ");
    expect(client.text()).toContain("out of file descriptors");
    expect(target.peers).toHaveLength(0);
    expect(cli.stderr()).toContain("out of file descriptors");
    // Once fds are free the same CONNECT works.
    for (const quietClient of quiet) quietClient.close();
    await waitFor(() => fds() < 32, 5000, "the quiet connections closed");
    const again = await rawConnect(port);
    again.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\n\r\n`);
    await again.readUntil("\r\n\r\n", 5000);
    expect(again.text()).toStartWith("HTTP/1.1 200 ");
    again.close();
  });
});
