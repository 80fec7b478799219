/** Which /mcp stream each child message takes, resumption, keep-alive and the ways a session ends. */
import { describe, expect, test } from "bun:test";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { mcpHttp, type McpStream } from "../helpers/mcp-http.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { letTimePass, waitFor, within } from "../helpers/wait.ts";

const progress = (token: string | number, n: number) => ({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: token, progress: n } });
const log = (text: string) => ({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: text } });
const sampling = { jsonrpc: "2.0", id: "srv-1", method: "sampling/createMessage", params: { messages: [], maxTokens: 1 } };
const listChanged = { jsonrpc: "2.0", method: "notifications/tools/list_changed" };
const data = async (stream: McpStream) => (await stream.rest()).map((event) => JSON.parse(event.data));

describe("routing child → client", () => {
  test("sends a response and its progress to the request's POST stream, everything else to the GET stream", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const get = await client.get();
    // Progress for a token nobody asked for, and for a finished request, belongs to no POST.
    const messages = [progress("tok", 1), log("during"), sampling, progress("other", 1), listChanged, progress("tok", 2)];
    const post = await client.postStream({ jsonrpc: "2.0", id: 1, method: "fixture/emit", params: { _meta: { progressToken: "tok" }, messages } });
    expect(await data(post)).toEqual([progress("tok", 1), progress("tok", 2), { jsonrpc: "2.0", id: 1, result: {} }]);
    const onGet = [await get.next(), await get.next(), await get.next(), await get.next()].map((event) => JSON.parse(event.data));
    expect(onGet).toEqual([log("during"), sampling, progress("other", 1), listChanged]);
  });

  test("never sends a response to the GET stream, nor one that nothing waits for anywhere", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const get = await client.get();
    const stray = { jsonrpc: "2.0", id: 999, result: { stray: true } };
    const post = await client.postStream({ jsonrpc: "2.0", id: 1, method: "fixture/emit", params: { messages: [stray, log("after")] } });
    expect(await data(post)).toEqual([{ jsonrpc: "2.0", id: 1, result: {} }]);
    expect(JSON.parse((await get.next()).data)).toEqual(log("after"));
    expect(proxy.logs.some((line) => line.includes("request id 999, which nothing waits for"))).toBe(true);
  });

  test("keeps server messages in a queue until a GET stream opens, then delivers them in order", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const post = await client.postStream({ jsonrpc: "2.0", id: 1, method: "fixture/emit", params: { messages: [log("a"), log("b"), sampling] } });
    await post.rest();
    const get = await client.get();
    expect([await get.next(), await get.next(), await get.next()].map((event) => JSON.parse(event.data))).toEqual([log("a"), log("b"), sampling]);
  });

  test("a second GET replaces the first (which ends) instead of answering 409", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const first = await client.get();
    const second = await client.get();
    expect(second.response.status).toBe(200);
    await within(first.ended, 2000, "the first GET stream to end");
    await client.post({ jsonrpc: "2.0", method: "fixture/release", params: { messages: [log("to the second")] } });
    expect(JSON.parse((await second.next()).data)).toEqual(log("to the second"));
  });

  test("answers every request of a batch on its stream and ends it after the last response", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize("2025-03-26");
    const batch = [
      { jsonrpc: "2.0", id: "a", method: "fixture/hold", params: { _meta: { progressToken: 7 }, messages: [progress(7, 1)] } },
      { jsonrpc: "2.0", id: "b", method: "ping" },
    ];
    const post = await client.postStream(batch);
    expect(JSON.parse((await post.next()).data)).toEqual(progress(7, 1));
    expect(JSON.parse((await post.next()).data)).toEqual({ jsonrpc: "2.0", id: "b", result: {} });
    await client.post({ jsonrpc: "2.0", method: "fixture/release" });
    expect(await data(post)).toEqual([{ jsonrpc: "2.0", id: "a", result: { released: true } }]);
  });
});

describe("resumability", () => {
  test("gives every event an id, and a GET with Last-Event-ID replays what a dropped POST stream missed", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize("2025-11-25");
    const post = await client.postStream(
      { jsonrpc: "2.0", id: 1, method: "fixture/hold", params: { _meta: { progressToken: "p" }, messages: [progress("p", 1)] } },
      { "MCP-Protocol-Version": "2025-11-25" },
    );
    const first = await post.next();
    expect(JSON.parse(first.data)).toEqual(progress("p", 1));
    expect(first.id).toMatch(/^\d+-\d+$/);
    post.abort();
    await within(post.ended, 2000, "the POST stream to drop");
    // The child goes on while nobody listens; the log keeps it for the resumption.
    await client.post({ jsonrpc: "2.0", method: "fixture/release", params: { messages: [progress("p", 2), log("not this stream's")] } }, { "MCP-Protocol-Version": "2025-11-25" });
    const resumed = await client.get({ "Last-Event-ID": first.id!, "MCP-Protocol-Version": "2025-11-25" });
    const events = await resumed.rest();
    expect(events.map((event) => JSON.parse(event.data))).toEqual([progress("p", 2), { jsonrpc: "2.0", id: 1, result: { released: true } }]);
    expect(events.every((event) => event.id!.split("-")[0] === first.id!.split("-")[0])).toBe(true);
  });

  test("primes 2025-11-25 streams with an id before any message, so a drop before the first one can resume", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize("2025-11-25");
    const res = await client.post({ jsonrpc: "2.0", id: 1, method: "fixture/hold" }, { "MCP-Protocol-Version": "2025-11-25" });
    const reader = res.body!.getReader();
    const head = new TextDecoder().decode((await reader.read()).value);
    const primed = /^id: (\d+-\d+)\ndata: \n\n/.exec(head);
    expect(primed).not.toBeNull();
    await reader.cancel();
    await client.post({ jsonrpc: "2.0", method: "fixture/release" });
    const resumed = await client.get({ "Last-Event-ID": primed![1]! });
    expect(await data(resumed)).toEqual([{ jsonrpc: "2.0", id: 1, result: { released: true } }]);
  });

  test("replays the GET stream's missed messages after its Last-Event-ID", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const get = await client.get();
    await client.post({ jsonrpc: "2.0", method: "fixture/release", params: { messages: [log("1")] } });
    const seen = await get.next();
    get.abort();
    await client.post({ jsonrpc: "2.0", method: "fixture/release", params: { messages: [log("2"), log("3")] } });
    const resumed = await client.get({ "Last-Event-ID": seen.id! });
    expect([await resumed.next(), await resumed.next()].map((event) => JSON.parse(event.data))).toEqual([log("2"), log("3")]);
  });
});

describe("quiet streams", () => {
  test("every /mcp stream gets a `: ping` comment every --keepalive", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), keepaliveMs: 200 });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const get = await client.get();
    const post = await client.postStream({ jsonrpc: "2.0", id: 1, method: "fixture/hold" });
    const pings = (stream: McpStream) => stream.comments.filter((c) => c === "ping").length;
    await waitFor(() => pings(post) >= 3 && pings(get) >= 3, 3000, "3 keep-alives on each stream");
    await client.post({ jsonrpc: "2.0", method: "fixture/release" });
    expect(await data(post)).toEqual([{ jsonrpc: "2.0", id: 1, result: { released: true } }]);
  });

  test("a waiting POST stream, the GET stream and a waiting --json-response POST live through 12 s of silence", async () => {
    await using streaming = await startTestProxy({ sse: echoServer(), keepaliveMs: 60_000 });
    await using json = await startTestProxy({ sse: echoServer(), keepaliveMs: 60_000, jsonResponse: true });
    await using a = mcpHttp(streaming.url);
    await using b = mcpHttp(json.url);
    await a.initialize();
    await b.initialize();
    const get = await a.get();
    const post = await a.postStream({ jsonrpc: "2.0", id: 1, method: "fixture/hold" });
    const held = b.post({ jsonrpc: "2.0", id: 1, method: "fixture/hold" });
    await letTimePass(12_500);
    // Nothing crossed the connections meanwhile but their opening comments.
    expect([...post.comments, ...get.comments]).toEqual(["stream open", "stream open"]);
    await a.post({ jsonrpc: "2.0", method: "fixture/release" });
    await b.post({ jsonrpc: "2.0", method: "fixture/release" });
    expect(await data(post)).toEqual([{ jsonrpc: "2.0", id: 1, result: { released: true } }]);
    expect(await (await held).json()).toEqual({ jsonrpc: "2.0", id: 1, result: { released: true } });
    await a.postStream({ jsonrpc: "2.0", id: 2, method: "fixture/emit", params: { messages: [log("still here")] } });
    expect(JSON.parse((await get.next()).data)).toEqual(log("still here"));
  }, 25_000);
});

describe("--json-response", () => {
  test("answers requests with one application/json body (an array for a batch); 202 for notifications", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), jsonResponse: true });
    await using client = mcpHttp(proxy.url);
    const init = await client.post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
    expect(init.headers.get("content-type")).toBe("application/json");
    expect(((await init.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe("2025-03-26");
    client.sessionId = init.headers.get("mcp-session-id")!;
    expect((await client.post({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
    const get = await client.get();
    const res = await client.post([{ jsonrpc: "2.0", id: 2, method: "fixture/emit", params: { _meta: { progressToken: 1 }, messages: [progress(1, 1)] } }, { jsonrpc: "2.0", id: 3, method: "ping" }]);
    expect(await res.json()).toEqual([{ jsonrpc: "2.0", id: 2, result: {} }, { jsonrpc: "2.0", id: 3, result: {} }]);
    // No POST stream to carry it: the progress goes to the GET stream.
    expect(JSON.parse((await get.next()).data)).toEqual(progress(1, 1));
  });
});

describe("session end", () => {
  test("the child exiting gives every pending request -32603, ends the streams and forgets the session", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const get = await client.get();
    const held = await client.postStream({ jsonrpc: "2.0", id: 1, method: "fixture/hold" });
    const exiting = await client.postStream({ jsonrpc: "2.0", id: 2, method: "fixture/exit", params: { code: 1 } });
    const [heldAnswer] = await data(held);
    const [exitAnswer] = await data(exiting);
    expect(heldAnswer.error.code).toBe(-32603);
    expect(exitAnswer).toMatchObject({ id: 2, error: { code: -32603, message: expect.stringContaining("exited") } });
    await within(get.ended, 3000, "the GET stream to end");
    expect((await client.post({ jsonrpc: "2.0", id: 3, method: "ping" })).status).toBe(404);
  });

  test("reaps a session idle for --session-idle, and not while a stream is open", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), sessionIdleMs: 500, keepaliveMs: 200 });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const pid = sessionPids(proxy.logs)[0]!;
    const get = await client.get();
    // Three idle periods pass with the GET stream open: the session must survive them.
    await waitFor(() => get.comments.length >= 8, 5000, "1.6 s of keep-alives");
    expect(processGone(pid)).toBe(false);
    get.abort();
    await waitFor(() => processGone(pid), 7000, "the idle child to be stopped");
    expect(proxy.logs.some((line) => line.includes(`session ${client.sessionId} closed (idle for 0.5 s)`))).toBe(true);
    expect((await client.post({ jsonrpc: "2.0", id: 3, method: "ping" })).status).toBe(404);
  }, 15_000);
});
