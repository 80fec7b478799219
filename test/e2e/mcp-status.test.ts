/** Every status code /mcp answers: clients recover by them, so each must be exactly right. */
import { describe, expect, test } from "bun:test";
import { echoServer } from "../helpers/mcp-servers.ts";
import { BOTH, initializeRequest, mcpHttp } from "../helpers/mcp-http.ts";
import { startTestProxy, type TestProxy } from "../helpers/proxy.ts";
import { openSse } from "../helpers/sse-client.ts";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { waitFor } from "../helpers/wait.ts";

const echo = (id: number, message = "hi") => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { message } } });
const opened = (proxy: TestProxy) => sessionPids(proxy.logs).length;

async function rpcError(res: Response): Promise<{ code: number; message: string }> {
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { jsonrpc: string; error: { code: number; message: string } };
  expect(body.jsonrpc).toBe("2.0");
  return body.error;
}

describe("POST /mcp: request checks", () => {
  test.each([
    ["application/json", "JSON only"],
    ["text/event-stream", "event stream only"],
    ["text/html", "neither"],
  ])("answers 406 to Accept: %s (%s) without starting a child", async (accept) => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    const res = await client.post(initializeRequest(1), { Accept: accept });
    expect(res.status).toBe(406);
    expect((await rpcError(res)).message).toContain("Accept");
    expect(opened(proxy)).toBe(0);
  });

  test.each([["text/plain"], ["application/x-www-form-urlencoded"], [""]])("answers 415 to Content-Type %j", async (type) => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    const res = await client.post(initializeRequest(1), { "Content-Type": type });
    expect(res.status).toBe(415);
    expect(opened(proxy)).toBe(0);
  });

  test("accepts Content-Type with a charset parameter", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    const res = await client.post(initializeRequest(1), { "Content-Type": "application/json; charset=utf-8" });
    expect(res.status).toBe(200);
  });

  test.each([["{not json"], [""]])("answers 400 with JSON-RPC -32700 to the unparsable body %j", async (body) => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    const res = await client.post(body);
    expect(res.status).toBe(400);
    expect((await rpcError(res)).code).toBe(-32700);
    expect(opened(proxy)).toBe(0);
  });

  test.each([['"hello"'], ["[]"], ['{"jsonrpc":"2.0"}'], ['{"id":1,"method":"ping"}']])("answers 400 with -32600 to the non-message %s", async (body) => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    const res = await client.post(body);
    expect(res.status).toBe(400);
    expect((await rpcError(res)).code).toBe(-32600);
  });

  test("answers 413 to a body over --max-body", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), maxBodyBytes: 200 });
    await using client = mcpHttp(proxy.url);
    const res = await client.post({ ...initializeRequest(1), pad: "p".repeat(300) });
    expect(res.status).toBe(413);
  });

  test("answers 400 to an unsupported MCP-Protocol-Version, on POST, GET and DELETE", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    expect((await client.post(initializeRequest(1), { "MCP-Protocol-Version": "2099-01-01" })).status).toBe(400);
    expect(opened(proxy)).toBe(0);
    await client.initialize();
    const bad = { "MCP-Protocol-Version": "1.0" };
    const post = await client.post(echo(2), bad);
    expect(post.status).toBe(400);
    expect((await rpcError(post)).message).toContain("MCP-Protocol-Version");
    expect((await client.post(echo(3), { "MCP-Protocol-Version": "2025-11-25" })).status).toBe(200);
    expect((await fetch(client.url, { headers: { Accept: "text/event-stream", "Mcp-Session-Id": client.sessionId!, ...bad } })).status).toBe(400);
    expect((await fetch(client.url, { method: "DELETE", headers: { "Mcp-Session-Id": client.sessionId!, ...bad } })).status).toBe(400);
  });
});

describe("POST /mcp: sessions", () => {
  test("answers initialize with 200 and a fresh random Mcp-Session-Id per session", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using a = mcpHttp(proxy.url);
    await using b = mcpHttp(proxy.url);
    const result = (await a.initialize()) as { result: { protocolVersion: string } };
    await b.initialize();
    expect(result.result.protocolVersion).toBe("2025-06-18");
    expect(a.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.sessionId).not.toBe(a.sessionId);
    expect(opened(proxy)).toBe(2);
  });

  test("answers 400 to a request without Mcp-Session-Id (not 404, which would mean re-initialize)", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    const res = await client.post(echo(1));
    expect(res.status).toBe(400);
    expect((await rpcError(res)).message).toContain("Mcp-Session-Id");
  });

  test("answers 404 to an unknown session id, on POST, GET and DELETE", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    client.sessionId = "00000000-0000-4000-8000-000000000000";
    const res = await client.post(echo(1));
    expect(res.status).toBe(404);
    expect((await rpcError(res)).code).toBe(-32001);
    expect((await fetch(client.url, { headers: { Accept: "text/event-stream", "Mcp-Session-Id": client.sessionId } })).status).toBe(404);
    expect((await fetch(client.url, { method: "DELETE", headers: { "Mcp-Session-Id": client.sessionId } })).status).toBe(404);
  });

  test("answers 404 to a /sse session id on /mcp, and to a /mcp session id on /messages", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const mcpId = client.sessionId!;
    client.sessionId = sse.sessionId;
    expect((await client.post(echo(1))).status).toBe(404);
    expect((await fetch(`${proxy.url}/messages?session_id=${mcpId}`, { method: "POST", body: JSON.stringify(echo(1)) })).status).toBe(404);
  });

  test("answers 400 to initialize on an existing session and keeps that session working", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const res = await client.post(initializeRequest(7));
    expect(res.status).toBe(400);
    expect((await rpcError(res)).message).toContain("initialize");
    expect(opened(proxy)).toBe(1);
    const [answer] = await (await client.postStream(echo(2))).rest();
    expect(JSON.parse(answer!.data).result.content[0].text).toBe("Echo: hi");
  });

  test("answers 202 with no body to notifications and responses", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const note = await client.post({ jsonrpc: "2.0", method: "notifications/roots/list_changed" });
    expect(note.status).toBe(202);
    expect(await note.text()).toBe("");
    const reply = await client.post({ jsonrpc: "2.0", id: "s1", result: {} });
    expect(reply.status).toBe(202);
    await waitFor(() => proxy.logs.filter((line) => line.includes(`session ${client.sessionId} client→child`)).length === 4, 2000, "4 lines to the child");
  });

  test("answers 400 to a request id that is still in flight, since routing depends on it", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const held = await client.postStream({ jsonrpc: "2.0", id: 5, method: "fixture/hold" });
    const again = await client.post({ jsonrpc: "2.0", id: 5, method: "ping" });
    expect(again.status).toBe(400);
    expect((await client.post({ jsonrpc: "2.0", method: "fixture/release" })).status).toBe(202);
    expect(JSON.parse((await held.rest()).at(-1)!.data)).toEqual({ jsonrpc: "2.0", id: 5, result: { released: true } });
  });
});

describe("POST /mcp: batches", () => {
  test("accepts a batch from a 2025-03-26 client: one stream with every response, then the end", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize("2025-03-26");
    const stream = await client.postStream([echo(1, "one"), { jsonrpc: "2.0", method: "notifications/x" }, echo(2, "two")], { "MCP-Protocol-Version": "2025-03-26" });
    const texts = (await stream.rest()).map((event) => JSON.parse(event.data).result.content[0].text);
    expect(texts).toEqual(["Echo: one", "Echo: two"]);
  });

  test("assumes 2025-03-26 (batches allowed) when neither the header nor initialize says otherwise", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize("2025-03-26");
    expect((await client.post([echo(1), echo(2)])).status).toBe(200);
  });

  test("refuses a batch with 400 from a 2025-06-18 client, by header or by negotiated version", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize("2025-06-18");
    expect((await client.post([echo(1), echo(2)], { "MCP-Protocol-Version": "2025-06-18" })).status).toBe(400);
    expect((await client.post([echo(1), echo(2)])).status).toBe(400);
  });

  test("refuses initialize inside a batch with 400 and starts no child", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    const res = await client.post([initializeRequest(1, "2025-03-26"), { jsonrpc: "2.0", id: 2, method: "ping" }]);
    expect(res.status).toBe(400);
    expect((await rpcError(res)).message).toContain("batch");
    expect(opened(proxy)).toBe(0);
  });
});

describe("GET and DELETE /mcp", () => {
  test("answers 400 to GET without a session and 406 to GET without text/event-stream", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    expect((await fetch(client.url, { headers: { Accept: "text/event-stream" } })).status).toBe(400);
    await client.initialize();
    expect((await fetch(client.url, { headers: { Accept: "application/json", "Mcp-Session-Id": client.sessionId! } })).status).toBe(406);
  });

  test("answers 400 to a Last-Event-ID that is not an event of the session", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    for (const id of ["garbage", "99-1"]) {
      const res = await fetch(client.url, { headers: { Accept: "text/event-stream", "Mcp-Session-Id": client.sessionId!, "Last-Event-ID": id } });
      expect(res.status).toBe(400);
    }
  });

  test("DELETE stops the child within 7 s and answers 204; afterwards the session is 404", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    const [pid] = sessionPids(proxy.logs);
    const res = await fetch(client.url, { method: "DELETE", headers: { "Mcp-Session-Id": client.sessionId! } });
    expect(res.status).toBe(204);
    expect((await client.post(echo(2))).status).toBe(404);
    await waitFor(() => processGone(pid!), 7000, "the child to be stopped");
    expect((await fetch(client.url, { method: "DELETE", headers: { "Mcp-Session-Id": client.sessionId! } })).status).toBe(404);
  }, 15_000);

  test("DELETE without a session is 400, and other methods are 405 with Allow", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    expect((await fetch(`${proxy.url}/mcp`, { method: "DELETE" })).status).toBe(400);
    const put = await fetch(`${proxy.url}/mcp`, { method: "PUT", body: "{}" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST, DELETE");
  });
});

describe("/mcp limits and guard", () => {
  test("counts /sse and /mcp sessions together for --max-sessions (503 beyond it)", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), maxSessions: 2 });
    await using sse = await openSse(proxy.url);
    await using client = mcpHttp(proxy.url);
    await client.initialize();
    await using third = mcpHttp(proxy.url);
    expect((await third.post(initializeRequest(1))).status).toBe(503);
    expect((await fetch(`${proxy.url}/sse`)).status).toBe(503);
    await fetch(client.url, { method: "DELETE", headers: { "Mcp-Session-Id": client.sessionId! } });
    await third.initialize();
    expect(third.sessionId).toBeString();
  });

  test("refuses a foreign Origin and a foreign Host with 403 before starting a child", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    const res = await client.post(initializeRequest(1), { Origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(res.headers.has("access-control-allow-origin")).toBe(false);
    const foreignHost = await fetch(client.url, {
      method: "POST",
      headers: { Host: "evil.example", Accept: BOTH, "Content-Type": "application/json" },
      body: JSON.stringify(initializeRequest(1)),
    });
    expect(foreignHost.status).toBe(403);
    expect(opened(proxy)).toBe(0);
  });

  test("lets a loopback Origin through and exposes Mcp-Session-Id to it", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using client = mcpHttp(proxy.url);
    const res = await client.post(initializeRequest(1), { Origin: "http://localhost:6274" });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
    expect(res.headers.get("access-control-expose-headers")).toBe("Mcp-Session-Id");
    await client.stream(res).rest();
  });

  test("answers 400 saying to start with --sse when the bridge is off", async () => {
    await using proxy = await startTestProxy();
    const res = await fetch(`${proxy.url}/mcp`, { method: "POST", headers: { Accept: BOTH, "Content-Type": "application/json" }, body: "{}" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("--sse");
  });
});
