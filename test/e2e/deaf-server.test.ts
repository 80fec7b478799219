/**
 * A bridged server that stops reading its stdin (test/fixtures/deaf-server.ts) must not hang
 * its clients: POSTs are answered once queued, a full buffer waits at most the stall limit,
 * the session then ends with every request answered, and nothing of it stays open.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { BOTH, initializeRequest, mcpHttp } from "../helpers/mcp-http.ts";
import { startTestProxy, type TestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { openSse } from "../helpers/sse-client.ts";
import { letTimePass, waitFor, within } from "../helpers/wait.ts";

const deafServer = (...args: string[]) => [process.execPath, join(import.meta.dir, "..", "fixtures", "deaf-server.ts"), ...args];
const MiB = 1024 * 1024;
const STALL_MS = 1500;
/** 1.5 MiB of stdin buffer: one 1 MiB message fits, a second one must wait for room. */
const limits = { maxBodyBytes: 1.5 * MiB, stdinBufferBytes: 1.5 * MiB, stdinStallMs: STALL_MS };

const call = (id: number, bytes: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { message: "x".repeat(bytes) } } });
const notification = (bytes: number) => ({ jsonrpc: "2.0", method: "notifications/message", params: { data: "x".repeat(bytes) } });

interface RawAnswer {
  status: number;
  body: string;
  /** From the first byte sent to the last byte of the response. */
  ms: number;
}

/**
 * A POST on its own connection, sent once connected; `answer` resolves with the whole
 * response (read by its Content-Length), after which the client closes the connection.
 */
async function rawPost(proxy: TestProxy, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ answer: Promise<RawAnswer> }> {
  const client = await rawConnect(proxy.port);
  const text = JSON.stringify(body);
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${proxy.port}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(text)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join("\r\n");
  const started = Date.now();
  client.write(`${head}\r\n\r\n${text}`);
  const answer = (async () => {
    try {
      const received = await client.readUntil("\r\n\r\n", 15_000);
      const headEnd = received.indexOf("\r\n\r\n") + 4;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received.slice(0, headEnd))?.[1] ?? 0);
      const whole = await waitFor(() => (client.text().length >= headEnd + length ? client.text() : undefined), 5000, "the response body");
      return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(whole)?.[1]), body: whole.slice(headEnd, headEnd + length), ms: Date.now() - started };
    } finally {
      client.close();
    }
  })();
  return { answer };
}

describe("a bridged server that stops reading its stdin", () => {
  test("/messages: 202 at once for small and 1 MiB messages, 503 for one that waits for room past the stall limit; then the session ends and its child is stopped", async () => {
    await using proxy = await startTestProxy({ sse: deafServer("--after-init"), ...limits });
    const sse = await openSse(proxy.url, 10_000);
    // The /sse connection: once the server ends the stream, Bun's fetch keeps it for reuse.
    const baseline = proxy.openConnections();
    // Every POST on a connection of its own, closed by the test: Bun's fetch would keep
    // idle connections in its pool, which the proxy would rightly count as open.
    expect((await (await rawPost(proxy, sse.endpoint, initializeRequest(1, "2024-11-05"))).answer).status).toBe(202);
    expect((await sse.response_(1)).result.serverInfo.name).toBe("deaf-fixture");
    const pid = sessionPids(proxy.logs)[0]!;

    const small = await (await rawPost(proxy, sse.endpoint, call(2, 10))).answer;
    expect(small).toMatchObject({ status: 202, body: "Accepted\n" });
    expect(small.ms).toBeLessThan(1000);
    const big = await (await rawPost(proxy, sse.endpoint, call(3, MiB))).answer;
    expect(big).toMatchObject({ status: 202, body: "Accepted\n" });
    expect(big.ms).toBeLessThan(1000);
    // No room for another MiB until the child reads, which it never does.
    const waiting = await rawPost(proxy, sse.endpoint, call(4, MiB));
    const refused = await waiting.answer;
    expect(refused.status).toBe(503);
    expect(refused.body).toContain(`the MCP server stopped reading its stdin for ${STALL_MS / 1000} s`);
    expect(refused.ms).toBeLessThan(STALL_MS + 3000);

    // The two queued requests are answered with errors, and the stream ends.
    const answers = [await sse.response_(2), await sse.response_(3)];
    for (const answer of answers) expect(answer.error).toMatchObject({ code: -32603, message: expect.stringContaining("stopped reading its stdin") });
    await within(sse.ended, 3000, "the /sse stream to end");
    await waitFor(() => processGone(pid), 7000, "the deaf child to be stopped");
    expect(proxy.logs.some((line) => line.includes("[ERROR]") && line.includes(`session ${sse.sessionId}: the MCP server stopped reading its stdin`))).toBe(true);
    expect((await (await rawPost(proxy, sse.endpoint, { jsonrpc: "2.0", method: "notifications/x" })).answer).status).toBe(404);
    sse.close();
    await waitFor(() => proxy.openConnections() <= baseline, 3000, "every connection of the session to close");
  }, 20_000);

  test("/messages: a POST waiting for room is answered (404) as soon as the /sse client leaves, and its connection closes", async () => {
    await using proxy = await startTestProxy({ sse: deafServer("--after-init"), ...limits, stdinStallMs: 60_000 });
    const baseline = proxy.openConnections();
    const sse = await openSse(proxy.url, 10_000);
    await (await rawPost(proxy, sse.endpoint, initializeRequest(1, "2024-11-05"))).answer;
    await sse.response_(1);
    const pid = sessionPids(proxy.logs)[0]!;
    expect((await (await rawPost(proxy, sse.endpoint, call(2, MiB))).answer).status).toBe(202);
    const waiting = await rawPost(proxy, sse.endpoint, call(3, MiB));
    await waitFor(() => proxy.logs.some((line) => line.includes(`session ${sse.sessionId} client→child: ${JSON.stringify(call(3, MiB)).length} bytes`)), 5000, "the second MiB to reach its session");
    const left = Date.now();
    sse.close();
    const answer = await waiting.answer;
    expect(answer.status).toBe(404);
    expect(Date.now() - left).toBeLessThan(2000);
    await waitFor(() => processGone(pid), 7000, "the deaf child to be stopped");
    await waitFor(() => proxy.openConnections() <= baseline, 3000, "every connection of the session to close");
  }, 20_000);

  test("/mcp: small and 1 MiB requests get their 200 head at once and a JSON-RPC error when the stall limit ends the session; a notification waiting for room gets 503", async () => {
    await using proxy = await startTestProxy({ sse: deafServer("--after-init"), ...limits });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    // What Bun's fetch keeps in its pool after initialize; the requests below close their connections.
    const baseline = proxy.openConnections();
    const pid = sessionPids(proxy.logs)[0]!;
    const headers = { "MCP-Protocol-Version": "2025-06-18", Connection: "close" };

    let started = Date.now();
    const small = await client.postStream(call(2, 10), headers);
    expect(Date.now() - started).toBeLessThan(1000);
    started = Date.now();
    const big = await client.postStream(call(3, MiB), headers);
    expect(Date.now() - started).toBeLessThan(1000);
    const waiting = await rawPost(proxy, "/mcp", notification(MiB), { Accept: BOTH, "Mcp-Session-Id": client.sessionId!, "MCP-Protocol-Version": "2025-06-18" });

    const refused = await waiting.answer;
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ jsonrpc: "2.0", id: null, error: { message: expect.stringContaining("stopped reading its stdin") } });
    expect(refused.ms).toBeLessThan(STALL_MS + 3000);
    for (const [stream, id] of [[small, 2], [big, 3]] as const) {
      const events = await stream.rest(3000);
      expect(events.map((event) => JSON.parse(event.data))).toEqual([
        { jsonrpc: "2.0", id, error: { code: -32603, message: `the session ended (the MCP server stopped reading its stdin for ${STALL_MS / 1000} s) before answering` } },
      ]);
    }
    await waitFor(() => processGone(pid), 7000, "the deaf child to be stopped");
    expect((await client.post({ jsonrpc: "2.0", id: 4, method: "ping" }, headers)).status).toBe(404);
    client.close();
    await waitFor(() => proxy.openConnections() <= baseline, 3000, "every connection of the session to close");
  }, 20_000);

  for (const jsonResponse of [false, true]) {
    test(`/mcp${jsonResponse ? " --json-response" : ""}: a session whose only work is a blocked 1 MiB request is reaped once its client has left`, async () => {
      await using proxy = await startTestProxy({ sse: deafServer("--after-init"), ...limits, stdinStallMs: 60_000, sessionIdleMs: 500, jsonResponse });
      const baseline = proxy.openConnections();
      await using client = mcpHttp(proxy.url);
      await client.initialize();
      const pid = sessionPids(proxy.logs)[0]!;
      const request = client.post(call(2, MiB), { "MCP-Protocol-Version": "2025-06-18" });
      await waitFor(() => proxy.logs.some((line) => line.includes(`client→child: ${JSON.stringify(call(2, MiB)).length} bytes`)), 5000, "the request to reach its session");
      if (!jsonResponse) expect((await request).status).toBe(200);
      // Two idle periods pass with the client still waiting: the session must survive them.
      await letTimePass(1000);
      expect(processGone(pid)).toBe(false);
      const leaving = Date.now();
      client.close();
      await request.catch(() => {});
      await waitFor(() => processGone(pid), 7000, "the child of the abandoned session to be stopped");
      expect(Date.now() - leaving).toBeLessThan(5000);
      expect(proxy.logs.some((line) => line.includes(`session ${client.sessionId} closed (idle for 0.5 s)`))).toBe(true);
      await waitFor(() => proxy.openConnections() <= baseline, 3000, "every connection of the session to close");
    }, 20_000);
  }

  test("/mcp: a server that reads nothing, not even initialize, answers it with a JSON-RPC error after the init timeout", async () => {
    await using proxy = await startTestProxy({ sse: deafServer(), ...limits, initTimeoutMs: 500 });
    await using client = mcpHttp(proxy.url);
    const started = Date.now();
    const stream = await client.postStream(initializeRequest(1));
    expect(stream.response.headers.get("mcp-session-id")).toBeTruthy();
    const [answer] = (await stream.rest(5000)).map((event) => JSON.parse(event.data));
    expect(answer).toMatchObject({ id: 1, error: { code: -32603, message: expect.stringContaining("no answer to initialize within 0.5 s") } });
    expect(Date.now() - started).toBeLessThan(3000);
    await waitFor(() => processGone(sessionPids(proxy.logs)[0]!), 7000, "the deaf child to be stopped");
  }, 15_000);
});

describe("a healthy server under heavy load", () => {
  test("is never taken for a deaf one: 48 messages of 256 KiB at once through /messages and /mcp, with a 1 MiB buffer and a 1 s stall limit", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), maxBodyBytes: MiB, stdinBufferBytes: MiB, stdinStallMs: 1000 });
    await using sse = await openSse(proxy.url, 20_000);
    const posts = Array.from({ length: 24 }, (_, n) => sse.post(call(n + 1, 256 * 1024)));
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const streams = Array.from({ length: 24 }, (_, n) => client.postStream(call(n + 1, 256 * 1024), { "MCP-Protocol-Version": "2025-06-18" }));
    expect((await Promise.all(posts)).map((response) => response.status)).toEqual(Array(24).fill(202));
    // The POSTs reach the child in any order, and so do its answers.
    const answers = new Map<number, string>();
    while (answers.size < 24) {
      const event = await sse.next(20_000);
      if (event.event !== "message") continue;
      const message = JSON.parse(event.data);
      answers.set(message.id, message.result.content[0].text);
    }
    for (const text of answers.values()) expect(text).toHaveLength(6 + 256 * 1024);
    for (const stream of await Promise.all(streams)) {
      const [answer] = (await stream.rest(20_000)).map((event) => JSON.parse(event.data));
      expect(answer.result.content[0].text).toHaveLength(6 + 256 * 1024);
    }
    expect(proxy.logs.filter((line) => line.includes("stopped reading its stdin"))).toEqual([]);
  }, 30_000);

});
