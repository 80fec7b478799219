/**
 * The routes around named servers: GET /servers, 404 for names not bridged, the Host/Origin
 * guard on every new route, the per-server and global session caps, and env secrets kept out
 * of the list.
 */
import { describe, expect, test } from "bun:test";
import { initializeRequest, mcpHttp } from "../helpers/mcp-http.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { listServers, serversFile } from "../helpers/servers-file.ts";
import { openSse } from "../helpers/sse-client.ts";

const command = (argv: string[]) => ({ command: argv[0], args: argv.slice(1) });
const opened = (logs: string[]) => logs.filter((line) => line.includes("opened: pid")).length;

describe("GET /servers", () => {
  test("lists every entry with its URLs, whether it is bridged, and its live sessions, and no env value", async () => {
    using file = serversFile({
      echo: { ...command(echoServer()), env: { API_KEY: "sk-live-secret" } },
      off: { command: "x", disabled: true },
      remote: { url: "https://example.com/mcp" },
    });
    await using proxy = await startTestProxy({ config: file.path });
    const base = `http://127.0.0.1:${proxy.port}/servers`;
    const response = await fetch(`${proxy.url}/servers`);
    expect(response.headers.get("content-type")).toStartWith("application/json");
    const body = await response.text();
    expect(body).not.toContain("sk-live-secret");
    expect(JSON.parse(body)).toEqual({
      servers: [
        { name: "echo", mcp: `${base}/echo/mcp`, sse: `${base}/echo/sse`, enabled: true, sessions: 0 },
        { name: "off", mcp: `${base}/off/mcp`, sse: `${base}/off/sse`, enabled: false, skipped: "disabled", sessions: 0 },
        { name: "remote", mcp: `${base}/remote/mcp`, sse: `${base}/remote/sse`, enabled: false, skipped: expect.stringContaining("remote"), sessions: 0 },
      ],
    });
    await using client = mcpHttp(`${proxy.url}/servers/echo`);
    await client.initialize();
    await using stream = await openSse(`${proxy.url}/servers/echo`);
    expect((await listServers(proxy.url))[0]!.sessions).toBe(2);
    expect(proxy.logs.join("")).not.toContain("sk-live-secret");
  });

  test("answers an empty list without --config, and 405 to anything but GET", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    expect(await (await fetch(`${proxy.url}/servers`)).json()).toEqual({ servers: [] });
    expect((await fetch(`${proxy.url}/servers`, { method: "POST" })).status).toBe(405);
  });
});

describe("names not bridged", () => {
  test("get 404 with the known names, or why a listed one is not bridged, and start no child", async () => {
    using file = serversFile({ alpha: command(echoServer()), beta: command(echoServer()), off: { command: "x", disabled: true } });
    await using proxy = await startTestProxy({ config: file.path });
    for (const route of ["mcp", "sse", "messages?session_id=x"]) {
      const response = await fetch(`${proxy.url}/servers/gamma/${route}`, { method: route === "sse" ? "GET" : "POST", body: route === "sse" ? undefined : "{}" });
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(`unknown server "gamma"; known servers: alpha, beta\n`);
    }
    const off = await fetch(`${proxy.url}/servers/off/sse`);
    expect(off.status).toBe(404);
    expect(await off.text()).toBe(`server "off" is not bridged: disabled\n`);
    expect(opened(proxy.logs)).toBe(0);
  });
});

describe("sessions of named servers", () => {
  test("are reachable only under their own server's name: another name's route answers 404", async () => {
    using file = serversFile({ a: command(echoServer()), b: command(echoServer()) });
    await using proxy = await startTestProxy({ config: file.path, sse: echoServer() });
    await using onA = mcpHttp(`${proxy.url}/servers/a`);
    await onA.initialize();
    await using sseOnA = await openSse(`${proxy.url}/servers/a`);
    for (const other of [`${proxy.url}/servers/b`, proxy.url]) {
      const response = await fetch(`${other}/mcp`, {
        method: "POST",
        headers: { Accept: "application/json, text/event-stream", "Content-Type": "application/json", "Mcp-Session-Id": onA.sessionId! },
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
      });
      expect(response.status).toBe(404);
      const post = await fetch(`${other}/messages?session_id=${sseOnA.sessionId}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      expect(post.status).toBe(404);
    }
    expect((await sseOnA.post({ jsonrpc: "2.0", id: 3, method: "ping" })).status).toBe(202);
    expect(await sseOnA.response_(3)).toMatchObject({ id: 3, result: {} });
  });
});

describe("the guard on named routes", () => {
  test("refuses a foreign Host or Origin with 403 on /servers and every /servers/<name>/ route, before any child starts", async () => {
    using file = serversFile({ echo: command(echoServer()) });
    await using proxy = await startTestProxy({ config: file.path });
    const routes: [string, string][] = [
      ["GET", "/servers"],
      ["POST", "/servers/echo/mcp"],
      ["GET", "/servers/echo/sse"],
      ["POST", "/servers/echo/messages?session_id=x"],
      ["GET", "/servers/unknown/sse"],
    ];
    for (const [method, path] of routes) {
      for (const headers of [{ Host: "evil.example" }, { Origin: "https://evil.example" }] as Record<string, string>[]) {
        const body = method === "POST" ? JSON.stringify(initializeRequest(1)) : undefined;
        const response = await fetch(`${proxy.url}${path}`, {
          method,
          body,
          headers: { Accept: "application/json, text/event-stream", "Content-Type": "application/json", ...headers },
        });
        expect(`${method} ${path} ${JSON.stringify(headers)} → ${response.status}`).toBe(`${method} ${path} ${JSON.stringify(headers)} → 403`);
      }
    }
    expect(opened(proxy.logs)).toBe(0);
  });
});

describe("session caps", () => {
  test("an entry's maxSessions refuses its next session with 503 and leaves the other servers alone", async () => {
    using file = serversFile({ solo: { ...command(echoServer()), maxSessions: 1 }, other: command(echoServer()) });
    await using proxy = await startTestProxy({ config: file.path });
    await using first = mcpHttp(`${proxy.url}/servers/solo`);
    await first.initialize();
    await using second = mcpHttp(`${proxy.url}/servers/solo`);
    const refused = await second.post(initializeRequest(1));
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { message: `too many sessions: the limit is 1 for server "solo" (its maxSessions)` } });
    expect((await fetch(`${proxy.url}/servers/solo/sse`)).status).toBe(503);
    await using other = await openSse(`${proxy.url}/servers/other`);
    expect(other.endpoint).toStartWith("/servers/other/messages?session_id=");
    // Once the first session ends, the server takes a new one again.
    expect((await fetch(`${proxy.url}/servers/solo/mcp`, { method: "DELETE", headers: { "Mcp-Session-Id": first.sessionId! } })).status).toBe(204);
    await using third = mcpHttp(`${proxy.url}/servers/solo`);
    await third.initialize();
  });

  test("--max-sessions caps every named server and the --sse bridge together", async () => {
    using file = serversFile({ a: command(echoServer()), b: command(echoServer()) });
    await using proxy = await startTestProxy({ config: file.path, sse: echoServer(), maxSessions: 3 });
    await using a = await openSse(`${proxy.url}/servers/a`);
    await using b = mcpHttp(`${proxy.url}/servers/b`);
    await b.initialize();
    await using unnamed = await openSse(proxy.url);
    for (const url of [`${proxy.url}/servers/a/sse`, `${proxy.url}/servers/b/sse`, `${proxy.url}/sse`]) {
      const refused = await fetch(url);
      expect(refused.status).toBe(503);
      expect(await refused.text()).toBe("too many sessions: the limit is 3 (--max-sessions)\n");
    }
    const viaMcp = await mcpHttp(`${proxy.url}/servers/a`).post(initializeRequest(1));
    expect(viaMcp.status).toBe(503);
    expect(opened(proxy.logs)).toBe(3);
  });
});
