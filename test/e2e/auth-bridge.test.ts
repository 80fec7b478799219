/**
 * Bearer tokens on the bridge, on 127.0.0.1 under --auth always: the SDK's Streamable HTTP and
 * SSE clients with an Authorization header (and without: 401), mcp-remote --header, curl.
 * /healthz stays open: it says only that the process is alive.
 */
import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startMcpRemote } from "../helpers/mcp-remote.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { serversFile } from "../helpers/servers-file.ts";
import { proxyEnv, runClient } from "../helpers/run-client.ts";

const TOKEN = "bridge-token-0123456789abcdef";
const bearer = { Authorization: `Bearer ${TOKEN}` };

async function sdkClient(transport: StreamableHTTPClientTransport | SSEClientTransport): Promise<Client & AsyncDisposable> {
  const client = new Client({ name: "auth-test", version: "1.0.0" });
  await client.connect(transport);
  return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
}

const echoed = async (client: Client, message: string) =>
  ((await client.callTool({ name: "echo", arguments: { message } })).content as { text: string }[])[0]!.text;

describe("bridge bearer token (--auth always)", () => {
  test("the SDK's Streamable HTTP client works with Authorization: Bearer and gets 401 without it", async () => {
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN, sse: echoServer() });
    await using client = await sdkClient(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), { requestInit: { headers: bearer } }));
    expect(await echoed(client, "with token")).toContain("with token");
    const refused = await sdkClient(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`))).then(() => undefined, (e: unknown) => e);
    expect((refused as { code?: number }).code).toBe(401);
    const wrong = new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), { requestInit: { headers: { Authorization: "Bearer not-it" } } });
    expect(((await sdkClient(wrong).then(() => undefined, (e: unknown) => e)) as { code?: number }).code).toBe(401);
    expect(proxy.logs.join("")).not.toContain("not-it");
    expect(proxy.logs.some((l) => l.includes("/mcp - 401 authentication failed (no bearer token)"))).toBe(true);
  });

  test("the SDK's SSE client works with Authorization: Bearer (stream and POSTs) and gets 401 without it", async () => {
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN, sse: echoServer() });
    await using client = await sdkClient(new SSEClientTransport(new URL(`${proxy.url}/sse`), { requestInit: { headers: bearer } }));
    expect(await echoed(client, "over sse")).toContain("over sse");
    const refused = await sdkClient(new SSEClientTransport(new URL(`${proxy.url}/sse`))).then(() => undefined, (e: unknown) => e);
    expect((refused as { code?: number }).code).toBe(401);
  });

  test("every /servers route of --config asks for the token too: 401 without it, the tools with it", async () => {
    using file = serversFile({ echo: { command: echoServer()[0], args: echoServer().slice(1) } });
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN, config: file.path });
    for (const path of ["/servers", "/servers/echo/mcp", "/servers/echo/sse", "/servers/echo/messages?session_id=x"]) {
      const res = await fetch(`${proxy.url}${path}`, { method: path.includes("messages") ? "POST" : "GET" });
      expect([path, res.status]).toEqual([path, 401]);
      await res.arrayBuffer();
    }
    expect((await fetch(`${proxy.url}/servers`, { headers: bearer })).status).toBe(200);
    await using client = await sdkClient(new StreamableHTTPClientTransport(new URL(`${proxy.url}/servers/echo/mcp`), { requestInit: { headers: bearer } }));
    expect(await echoed(client, "named")).toContain("named");
  });

  test("mcp-remote --header Authorization:Bearer reaches the tools over /mcp", async () => {
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN, sse: echoServer() });
    await using remote = startMcpRemote(`${proxy.url}/mcp`, ["--header", `Authorization:Bearer ${TOKEN}`]);
    const init = await remote.request(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } });
    expect(init.result.serverInfo.name).toBeString();
    remote.send({ method: "notifications/initialized" });
    const call = await remote.request(2, "tools/call", { name: "echo", arguments: { message: "via mcp-remote" } });
    expect(JSON.stringify(call.result)).toContain("via mcp-remote");
  }, 30_000);

  test("curl: 401 with WWW-Authenticate: Bearer without the token, 200 with it; /healthz stays open", async () => {
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN, sse: echoServer() });
    const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } } });
    const curl = (extra: string[]) =>
      runClient(["curl", "-sS", "-i", "--max-time", "10", "-H", "Content-Type: application/json", "-H", "Accept: application/json, text/event-stream", ...extra, "--data", init, `${proxy.url}/mcp`], proxyEnv(""));
    const refused = await curl([]);
    expect(refused.out).toStartWith("HTTP/1.1 401 Unauthorized\r\n");
    expect(refused.out.toLowerCase()).toContain('www-authenticate: bearer realm="mcp-proxy"');
    const ok = await curl(["-H", `Authorization: Bearer ${TOKEN}`]);
    expect(ok.out).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(ok.out.toLowerCase()).toContain("mcp-session-id:");
    const health = await fetch(`${proxy.url}/healthz`);
    expect(health.status).toBe(200);
  });

  test("asks on every request of a kept-alive connection to the app, not only the first", async () => {
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN, sse: echoServer() });
    const client = await rawConnect(proxy.port);
    try {
      const get = (auth: string) => `GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nAccept: text/event-stream\r\n${auth}\r\n`;
      // A GET without a session: 400 from the route once past the token check; 401 before it.
      client.write(get(`Authorization: Bearer ${TOKEN}\r\n`));
      const first = await client.readUntil("Mcp-Session-Id header is required", 5000);
      expect(first).toStartWith("HTTP/1.1 400 ");
      client.write(get(""));
      const all = await client.readUntil(/HTTP\/1\.1 401 [^]*unauthorized/, 5000);
      expect(all.slice(first.length)).toStartWith("HTTP/1.1 401 ");
    } finally {
      client.close();
    }
  });

  test("a proxied request to the proxy's own /mcp needs the bearer token too (it reaches the app that asks)", async () => {
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN, sse: echoServer() });
    const viaProxy = `http://u:${TOKEN}@127.0.0.1:${proxy.port}`;
    const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } } });
    const post = (extra: string[]) =>
      runClient(["curl", "-sS", "-i", "--max-time", "10", "-x", viaProxy, "-H", "Content-Type: application/json", "-H", "Accept: application/json, text/event-stream", ...extra, "--data", init, `${proxy.url}/mcp`], proxyEnv(""));
    expect((await post([])).out).toStartWith("HTTP/1.1 401 ");
    expect((await post(["-H", `Authorization: Bearer ${TOKEN}`])).out).toStartWith("HTTP/1.1 200 ");
    // Both went through the proxy (forwarded to itself), not straight to the port.
    expect(proxy.logs.some((l) => l.includes(`POST 127.0.0.1:${proxy.port}/mcp 401`))).toBe(true);
    expect(proxy.logs.some((l) => l.includes(`POST 127.0.0.1:${proxy.port}/mcp 200`))).toBe(true);
  });

  test("loopback-free (the default): a loopback client needs no bearer token, even with a token set", async () => {
    await using proxy = await startTestProxy({ token: TOKEN, sse: echoServer() });
    await using client = await sdkClient(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`)));
    expect(await echoed(client, "free")).toContain("free");
  });
});
