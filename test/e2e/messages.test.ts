import { describe, expect, test } from "bun:test";
import { echoServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { openSse } from "../helpers/sse-client.ts";
import { waitFor } from "../helpers/wait.ts";

const echo = (id: number, message = "hi") => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { message } } });

describe("POST /messages", () => {
  test("writes the message to the session's child and answers 202 Accepted", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    const res = await sse.post(echo(1));
    expect(res.status).toBe(202);
    expect((await sse.response_(1)).result.content[0].text).toBe("Echo: hi");
  });

  test("accepts the TS SDK's sessionId spelling too", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    const res = await fetch(`${proxy.url}/messages?sessionId=${sse.sessionId}`, { method: "POST", body: JSON.stringify(echo(1)) });
    expect(res.status).toBe(202);
    await sse.response_(1);
  });

  test("keeps a pretty-printed message on one stdin line, and a big integer id exact", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    const body = '{\r\n  "jsonrpc": "2.0",\n  "id": 12345678901234567890,\n  "method": "fixture/line"\n}\n';
    expect((await sse.post(body, { raw: true })).status).toBe(202);
    const event = await sse.next();
    expect(JSON.parse(event.data).params.line).toBe('{   "jsonrpc": "2.0",   "id": 12345678901234567890,   "method": "fixture/line" }');
  });

  test("splits a batch into one stdin line per message, each answered as its own event", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    const res = await sse.post([echo(1, "one"), echo(2, "two"), { jsonrpc: "2.0", method: "notifications/initialized" }]);
    expect(res.status).toBe(202);
    const events = [await sse.next(), await sse.next()].map((event) => JSON.parse(event.data));
    expect(events.map((m) => m.result.content[0].text)).toEqual(["Echo: one", "Echo: two"]);
    await waitFor(() => proxy.logs.some((line) => line.includes(sse.sessionId) && line.includes("client→child")), 1000);
    expect(proxy.logs.filter((line) => line.includes(`session ${sse.sessionId} client→child`))).toHaveLength(3);
  });

  test.each([
    ["[]", "an empty batch"],
    ["[1, 2]", "a batch of non-objects"],
    ['"hello"', "a JSON string"],
    ["null", "JSON null"],
    ["{not json", "broken JSON"],
    ["", "an empty body"],
  ])("answers 400 to %s (%s) and writes nothing to the child", async (body) => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    const res = await sse.post(body, { raw: true });
    expect(res.status).toBe(400);
    expect(proxy.logs.some((line) => line.includes("client→child"))).toBe(false);
  });

  test("answers 400 when the session id is missing", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const res = await fetch(`${proxy.url}/messages`, { method: "POST", body: JSON.stringify(echo(1)) });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("session_id");
  });

  test("answers 404 for an unknown session id", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const res = await fetch(`${proxy.url}/messages?session_id=00000000-0000-4000-8000-000000000000`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
  });

  test("answers 404 once the session's client has gone, instead of writing to a dead child", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const sse = await openSse(proxy.url);
    sse.close();
    await waitFor(() => proxy.logs.some((line) => line.includes(`session ${sse.sessionId} closed`)), 7000, "the session to close");
    expect((await sse.post(echo(1))).status).toBe(404);
  }, 15_000);

  test("answers 413 to a body over --max-body, declared or streamed, and accepts one at the limit", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), maxBodyBytes: 1000 });
    await using sse = await openSse(proxy.url);
    const padded = (size: number) => {
      const base = JSON.stringify({ ...echo(1), pad: "" });
      return base.replace('"pad":""', `"pad":"${"p".repeat(size - base.length)}"`);
    };
    expect((await sse.post(padded(1001), { raw: true })).status).toBe(413);
    // No Content-Length: a streamed body is counted as it arrives.
    const chunks = [padded(1001).slice(0, 600), padded(1001).slice(600)];
    const streamed = new ReadableStream({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(new TextEncoder().encode(chunk));
        else controller.close();
      },
    });
    const res = await fetch(`${proxy.url}${sse.endpoint}`, { method: "POST", body: streamed });
    expect(res.status).toBe(413);
    expect((await sse.post(padded(1000), { raw: true })).status).toBe(202);
    expect((await sse.response_(1)).result.content[0].text).toBe("Echo: hi");
  });

  test("uses 4 MiB as the default body limit", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    const big = JSON.stringify({ ...echo(1), pad: "p".repeat(4 * 1024 * 1024) });
    expect((await sse.post(big, { raw: true })).status).toBe(413);
  });
});

describe("wrong methods", () => {
  test("answers 405 with Allow: GET to POST /sse, without starting a child", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const res = await fetch(`${proxy.url}/sse`, { method: "POST", body: "{}" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect(proxy.logs.some((line) => line.includes("opened"))).toBe(false);
  });

  test("answers 405 with Allow: POST to GET /messages", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const res = await fetch(`${proxy.url}/messages?session_id=x`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
