import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { echoServer, everythingServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { openSse } from "../helpers/sse-client.ts";
import { letTimePass, waitFor, within } from "../helpers/wait.ts";

async function connectSdk(url: string, name = "test-client"): Promise<Client & AsyncDisposable> {
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(new SSEClientTransport(new URL(`${url}/sse`)));
  return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
}

const call = { jsonrpc: "2.0", method: "tools/call", params: { name: "echo", arguments: { message: "hi" } } };

describe("SSE session with the MCP SDK client", () => {
  test("runs initialize, tools, resources, prompts and ping against server-everything", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    await using client = await connectSdk(proxy.url);
    expect(client.getServerVersion()?.name).toBeString();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("echo");
    const echoed = await client.callTool({ name: "echo", arguments: { message: "through the bridge" } });
    expect(echoed.content).toEqual([{ type: "text", text: "Echo: through the bridge" }]);
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const read = await client.readResource({ uri: resources[0]!.uri });
    expect(read.contents[0]?.uri).toBe(resources[0]!.uri);
    const { prompts } = await client.listPrompts();
    expect(prompts.length).toBeGreaterThan(0);
    expect(await client.ping()).toEqual({});
  });

  test("gives 10 concurrent clients a child each and only their own responses", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => connectSdk(proxy.url, `client-${i}`)));
    try {
      // Same request ids in every session: a broadcast or a shared child would cross the answers.
      const results = await Promise.all(
        clients.map(async (client, i) => {
          const texts: string[] = [];
          for (let n = 0; n < 5; n++) {
            const result = await client.callTool({ name: "echo", arguments: { message: `client ${i} call ${n}` } });
            texts.push((result.content as { text: string }[])[0]!.text);
          }
          return texts;
        }),
      );
      results.forEach((texts, i) => expect(texts).toEqual([0, 1, 2, 3, 4].map((n) => `Echo: client ${i} call ${n}`)));
      expect(new Set(sessionPids(proxy.logs)).size).toBe(10);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  }, 15_000);
});

describe("SSE stream", () => {
  test("answers 200 with event-stream headers and an endpoint event with a random session id first", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using a = await openSse(proxy.url);
    await using b = await openSse(proxy.url);
    expect(a.response.headers.get("content-type")).toBe("text/event-stream");
    expect(a.response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(a.response.headers.get("x-accel-buffering")).toBe("no");
    expect(a.endpoint).toMatch(/^\/messages\?session_id=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.sessionId).not.toBe(a.sessionId);
  });

  test("sends a `: ping` comment every --keepalive on a quiet stream", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), keepaliveMs: 200 });
    await using sse = await openSse(proxy.url);
    await waitFor(() => sse.comments.length >= 3, 3000, "3 keep-alive comments");
    expect(sse.comments.every((comment) => comment === "ping")).toBe(true);
  });

  test("lives 20 s with the default 15 s keep-alive: silent past Bun's 10 s idle timeout, then a `: ping`", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    await letTimePass(20_000);
    expect(sse.comments).toEqual(["ping"]); // at 15 s; nothing else crossed the connection
    expect((await sse.post({ ...call, id: 1 })).status).toBe(202);
    expect((await sse.response_(1)).result.content[0].text).toBe("Echo: hi");
  }, 30_000);

  test("delivers a 5 MB line intact", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    const bytes = 5 * 1024 * 1024;
    expect((await sse.post({ jsonrpc: "2.0", id: 1, method: "fixture/big", params: { bytes } })).status).toBe(202);
    const message = await sse.response_(1, 10_000);
    expect(message.result.text.length).toBe(bytes);
    expect(message.result.text).toBe("x".repeat(bytes));
  }, 15_000);

  test("drops non-JSON stdout lines, logged with the session id, and strips CR from CRLF lines", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    const raw = 'Server starting... not JSON\n{"jsonrpc":"2.0","method":"notifications/crlf"}\r\n';
    await sse.post({ jsonrpc: "2.0", id: 1, method: "fixture/stdout", params: { raw } });
    const events = [await sse.next(), await sse.next()];
    expect(events.map((e) => e.data)).toEqual(['{"jsonrpc":"2.0","method":"notifications/crlf"}', '{"jsonrpc":"2.0","id":1,"result":{}}']);
    expect(proxy.logs.some((line) => line.includes(sse.sessionId) && line.includes("non-JSON") && line.includes("Server starting"))).toBe(true);
  });

  test("keeps a session flowing while the child writes 1 MB of stderr", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    await sse.post({ jsonrpc: "2.0", id: 1, method: "fixture/stderr", params: { bytes: 1024 * 1024 } });
    await sse.response_(1, 10_000);
    await sse.post({ ...call, id: 2 });
    expect((await sse.response_(2)).result.content[0].text).toBe("Echo: hi");
    // The answer proves the drain (an undrained 64 KiB pipe would block the child's writes);
    // every line is still logged, at debug level with the session id.
    const stderrLines = () => proxy.logs.filter((line) => line.includes(`[DEBUG] mcp: session ${sse.sessionId} stderr: `) && /: \d{6} e{1016}\n$/.test(line)).length;
    await waitFor(() => stderrLines() === 1024, 5000, "1024 stderr lines in the log");
  }, 15_000);

  test("ends the session when a stdout line passes the 16 MiB cap instead of buffering without bound", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    const pid = sessionPids(proxy.logs)[0]!;
    await sse.post({ jsonrpc: "2.0", id: 1, method: "fixture/big", params: { bytes: 17 * 1024 * 1024 } });
    await within(sse.ended, 10_000, "the stream to end");
    expect(proxy.logs.some((line) => line.includes(sse.sessionId) && line.includes("exceeded 16777216 bytes"))).toBe(true);
    await waitFor(() => processGone(pid), 7000, "the child to be stopped");
  }, 15_000);

  test("ends the stream when the child exits by itself, logging its exit code and last stderr lines", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using sse = await openSse(proxy.url);
    await sse.post({ jsonrpc: "2.0", id: 1, method: "fixture/exit", params: { code: 3 } });
    await within(sse.ended, 5000, "the stream to end");
    await waitFor(() => proxy.logs.some((line) => line.includes(`session ${sse.sessionId} closed`)), 5000, "the close log line");
    const closed = proxy.logs.find((line) => line.includes(`session ${sse.sessionId} closed`))!;
    expect(closed).toContain("exit code 3");
    expect(closed).toMatch(/1 messages in, 0 out/);
    expect(proxy.logs.some((line) => line.includes(sse.sessionId) && line.includes("fixture: exiting"))).toBe(true);
    expect((await sse.post({ ...call, id: 2 })).status).toBe(404);
  }, 15_000);

  test("logs one line per session open and close with pid, duration and message counts", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const sse = await openSse(proxy.url);
    await sse.post({ ...call, id: 1 });
    await sse.response_(1);
    sse.close();
    await waitFor(() => proxy.logs.some((line) => line.includes(`session ${sse.sessionId} closed`)), 7000, "the close log line");
    const lines = proxy.logs.filter((line) => line.includes(sse.sessionId) && /opened|closed/.test(line));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/opened: pid \d+/);
    expect(lines[1]).toMatch(/closed \(client disconnected\) after \d+\.\d s: pid \d+, 1 messages in, 1 out, /);
  }, 15_000);
});

describe("child environment", () => {
  test("passes mcp-proxy's environment on to the child, or the one given as childEnv", async () => {
    process.env.MCP_PROXY_TEST_INHERITED = "from-the-parent";
    try {
      const printer = ["sh", "-c", `printf '{"jsonrpc":"2.0","method":"env","params":{"v":"%s"}}\\n' "$MCP_PROXY_TEST_INHERITED"; cat >/dev/null`];
      await using proxy = await startTestProxy({ sse: printer });
      await using sse = await openSse(proxy.url);
      expect(JSON.parse((await sse.next()).data).params.v).toBe("from-the-parent");
      await using chosen = await startTestProxy({ sse: printer, childEnv: { MCP_PROXY_TEST_INHERITED: "chosen", PATH: process.env.PATH } });
      await using sse2 = await openSse(chosen.url);
      expect(JSON.parse((await sse2.next()).data).params.v).toBe("chosen");
    } finally {
      delete process.env.MCP_PROXY_TEST_INHERITED;
    }
  });
});

describe("GET /sse failures", () => {
  test("answers 502 with a clear body when the command does not exist, and logs it once", async () => {
    await using proxy = await startTestProxy({ sse: ["mcp-proxy-test-no-such-command", "--flag"] });
    const res = await fetch(`${proxy.url}/sse`);
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('could not start the MCP server "mcp-proxy-test-no-such-command"');
    expect(proxy.logs.filter((line) => line.includes("mcp-proxy-test-no-such-command"))).toHaveLength(1);
  });

  test("answers 503 beyond --max-sessions, and accepts again once a session ends", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), maxSessions: 2 });
    const first = await openSse(proxy.url);
    await using second = await openSse(proxy.url);
    const refused = await fetch(`${proxy.url}/sse`);
    expect(refused.status).toBe(503);
    expect(await refused.text()).toContain("--max-sessions");
    expect(sessionPids(proxy.logs)).toHaveLength(2);
    first.close();
    await waitFor(() => proxy.logs.some((line) => line.includes(`session ${first.sessionId} closed`)), 7000, "the first session to close");
    await using third = await openSse(proxy.url);
    expect(third.sessionId).not.toBe(second.sessionId);
  }, 15_000);

  test("answers 400 saying to start with --sse when the bridge is off", async () => {
    await using proxy = await startTestProxy();
    const res = await fetch(`${proxy.url}/sse`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("--sse");
  });
});
