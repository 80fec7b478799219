/**
 * /status.json and /metrics against real traffic: a CONNECT tunnel to a local echo target, a
 * CONNECT to a closed port, a forwarded request with a query string, an /mcp session with
 * the SDK client. /metrics is read by a real Prometheus text-format parser.
 */
import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import parsePrometheusTextFormat, { type PromFamily } from "parse-prometheus-text-format";
import type { StatusSnapshot } from "../../src/status/snapshot.ts";
import { send } from "../helpers/forward-client.ts";
import { closedPort, startHttpOrigin } from "../helpers/http-origin.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { startTestProxy, type TestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { startTcpTarget } from "../helpers/tcp-target.ts";
import { connectClient, serversFile } from "../helpers/servers-file.ts";
import { waitFor } from "../helpers/wait.ts";

const status = async (proxy: TestProxy) => (await (await fetch(`${proxy.url}/status.json`)).json()) as StatusSnapshot;

async function metrics(proxy: TestProxy): Promise<Map<string, PromFamily>> {
  const res = await fetch(`${proxy.url}/metrics`);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return new Map(parsePrometheusTextFormat(await res.text()).map((family) => [family.name, family]));
}

/** The value of one sample, found by its labels. */
function sample(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (!family) throw new Error(`no metric ${name}`);
  const found = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (!found) throw new Error(`no ${name} sample with ${JSON.stringify(labels)}`);
  return Number(found.value ?? found.count);
}

async function openTunnel(proxy: TestProxy, authority: string) {
  const client = await rawConnect(proxy.port);
  client.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  await client.readUntil("\r\n\r\n");
  return client;
}

describe("/status.json", () => {
  test("shows an open tunnel with live byte counts, then moves it to history when it closes", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget();
    const client = await openTunnel(proxy, `127.0.0.1:${target.port}`);
    client.write("hello");
    await client.readUntil("hello");
    const first = await waitFor(async () => (await status(proxy)).proxy.open.find((f) => f.down === 5), 5000, "the open tunnel with 5 B down");
    expect(first).toMatchObject({ kind: "tunnel", client: "127.0.0.1", what: `CONNECT 127.0.0.1:${target.port}`, up: 5 });
    client.write("more bytes");
    await client.readUntil("more bytes");
    await waitFor(async () => (await status(proxy)).proxy.open.find((f) => f.id === first.id && f.up === 15), 5000, "the byte count to grow");
    client.close();
    const closed = await waitFor(async () => (await status(proxy)).proxy.recent.find((f) => f.id === first.id), 5000, "the tunnel in history");
    expect(closed).toMatchObject({ status: 200, outcome: "ok", up: 15, down: 15 });
    expect((await status(proxy)).proxy.open).toEqual([]);
  });

  test("groups failing targets by cause with a count, which is the diagnosis users need", async () => {
    await using proxy = await startTestProxy();
    const port = closedPort();
    for (let i = 0; i < 2; i++) {
      const client = await openTunnel(proxy, `127.0.0.1:${port}`);
      client.close();
    }
    const snapshot = await status(proxy);
    expect(snapshot.proxy.failing).toEqual([
      expect.objectContaining({ target: `127.0.0.1:${port}`, code: "ECONNREFUSED", cause: "ECONNREFUSED Connection refused", count: 2 }),
    ]);
    expect(snapshot.proxy.recent[0]).toMatchObject({ status: 502, outcome: "unreachable", error: "ECONNREFUSED Connection refused" });
    expect(snapshot.totals).toMatchObject({ tunnels: 2, failures: 2 });
  });

  test("hides the query string of a forwarded request", async () => {
    await using proxy = await startTestProxy();
    await using origin = startHttpOrigin();
    await send(proxy.port, `GET http://${origin.authority}/path?token=s3cret HTTP/1.1\r\nHost: ${origin.authority}\r\nConnection: close\r\n\r\n`);
    const snapshot = await waitFor(async () => {
      const s = await status(proxy);
      return s.proxy.recent.length > 0 ? s : undefined;
    }, 5000, "the request in history");
    expect(snapshot.proxy.recent[0]).toMatchObject({ kind: "request", what: `GET http://${origin.authority}/path`, status: 200, outcome: "ok" });
    expect(JSON.stringify(snapshot)).not.toContain("s3cret");
  });

  test("records a forwarded request whose client left before the answer as aborted, not as open forever", async () => {
    await using proxy = await startTestProxy();
    await using origin = startHttpOrigin({ respond: () => undefined }); // never answers
    const client = await rawConnect(proxy.port);
    client.write(`GET http://${origin.authority}/slow HTTP/1.1\r\nHost: ${origin.authority}\r\n\r\n`);
    await waitFor(() => origin.requests.length === 1, 5000, "the request at the origin");
    expect((await status(proxy)).proxy.open).toEqual([expect.objectContaining({ kind: "request", what: `GET http://${origin.authority}/slow` })]);
    client.close();
    const ended = await waitFor(async () => (await status(proxy)).proxy.recent[0], 5000, "the request in history");
    expect(ended).toMatchObject({ status: 0, outcome: "aborted" });
    expect((await status(proxy)).proxy.open).toEqual([]);
  });

  test("lists each bridge session with its child pid, and how it ended", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const transport = new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`));
    const client = new Client({ name: "status-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      await client.ping();
      const server = (await status(proxy)).bridge.servers[0]!;
      expect(server.name).toBe("default");
      expect(server.sessions).toHaveLength(1);
      const session = server.sessions[0]!;
      expect(session.transport).toBe("/mcp");
      expect(session.id).toBe(transport.sessionId!.slice(0, 8));
      expect(proxy.logs.some((line) => line.includes(`pid ${session.pid} on /mcp`))).toBe(true);
      expect(session.messagesIn).toBeGreaterThanOrEqual(3); // initialize, initialized, ping
      await transport.terminateSession();
      const ended = await waitFor(async () => (await status(proxy)).bridge.servers[0]!.ended[0], 10_000, "the ended session");
      expect(ended).toMatchObject({ transport: "/mcp", pid: session.pid, reason: "deleted" });
    } finally {
      await client.close();
    }
  });

  test("lists every named server of --config beside the --sse one, each with its own sessions", async () => {
    using file = serversFile({ alpha: { command: echoServer()[0], args: echoServer().slice(1) }, beta: { command: echoServer()[0], args: echoServer().slice(1) } });
    await using proxy = await startTestProxy({ sse: echoServer(), config: file.path });
    await using client = await connectClient(`${proxy.url}/servers/beta/sse`);
    await client.ping();
    const servers = (await status(proxy)).bridge.servers;
    expect(servers.map((server) => [server.name, server.routes.mcp, server.sessions.length])).toEqual([
      ["default", "/mcp", 0],
      ["alpha", "/servers/alpha/mcp", 0],
      ["beta", "/servers/beta/mcp", 1],
    ]);
    expect(servers[2]!.sessions[0]!.transport).toBe("/sse");
    const metricsText = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(metricsText).toContain('mcp_proxy_bridge_sessions{server="beta",transport="/sse"} 1');
  });

  test("switched off (the benchmark's A/B), the proxy works and records nothing", async () => {
    await using proxy = await startTestProxy({ bookkeeping: false });
    const client = await openTunnel(proxy, `127.0.0.1:${closedPort()}`);
    client.close();
    const snapshot = await status(proxy);
    expect(snapshot.proxy.recent).toEqual([]);
    expect(snapshot.proxy.failing).toEqual([]);
  });
});

describe("/metrics", () => {
  test("counters move with traffic; labels carry no target, session id or query string", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    await using target = startTcpTarget();
    await using origin = startHttpOrigin();
    const before = await metrics(proxy);
    expect(sample(before, "mcp_proxy_tunnels_total", { outcome: "ok" })).toBe(0);

    const tunnel = await openTunnel(proxy, `127.0.0.1:${target.port}`);
    tunnel.write("12345678");
    await tunnel.readUntil("12345678");
    const during = await metrics(proxy);
    expect(sample(during, "mcp_proxy_open_tunnels")).toBe(1);
    expect(sample(during, "mcp_proxy_bytes_total", { kind: "tunnel", direction: "up" })).toBe(8);
    tunnel.close();
    const refusedPort = closedPort();
    (await openTunnel(proxy, `127.0.0.1:${refusedPort}`)).close();
    await send(proxy.port, `GET http://${origin.authority}/m?q=hidden HTTP/1.1\r\nHost: ${origin.authority}\r\nConnection: close\r\n\r\n`);

    const transport = new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`));
    const client = new Client({ name: "metrics-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const after = await waitFor(async () => {
        const m = await metrics(proxy);
        const counted = sample(m, "mcp_proxy_tunnels_total", { outcome: "ok" }) === 1 && sample(m, "mcp_proxy_forwarded_requests_total", { outcome: "ok" }) === 1;
        return counted ? m : undefined;
      }, 5000, "the tunnel and the request to be counted");
      expect(sample(after, "mcp_proxy_open_tunnels")).toBe(0);
      expect(sample(after, "mcp_proxy_tunnels_total", { outcome: "unreachable" })).toBe(1);
      expect(sample(after, "mcp_proxy_upstream_errors_total", { code: "ECONNREFUSED" })).toBe(1);
      expect(sample(after, "mcp_proxy_bytes_total", { kind: "tunnel", direction: "down" })).toBe(8);
      expect(sample(after, "mcp_proxy_bytes_total", { kind: "request", direction: "down" })).toBeGreaterThan(0);
      // One new connection to the echo target and one to the origin were timed.
      expect(after.get("mcp_proxy_upstream_connect_seconds")!.metrics[0]!.count).toBe("2");
      expect(sample(after, "mcp_proxy_bridge_sessions", { server: "default", transport: "/mcp" })).toBe(1);
      expect(sample(after, "mcp_proxy_child_starts_total", { server: "default" })).toBe(1);
      const text = await (await fetch(`${proxy.url}/metrics`)).text();
      for (const secret of [String(target.port), String(refusedPort), String(origin.port), "hidden", transport.sessionId!.slice(0, 8)]) {
        expect(text).not.toContain(secret);
      }
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });
});

describe("guard and caching", () => {
  const routes = ["/", "/status.json", "/metrics"];

  test.each(routes)("%s answers 403 to a foreign Host (DNS rebinding) and a foreign Origin", async (route) => {
    await using proxy = await startTestProxy();
    for (const headers of [{ Host: "evil.example" }, { Host: `evil.example:${proxy.port}` }, { Origin: "http://evil.example" }]) {
      const client = await rawConnect(proxy.port);
      try {
        const host = "Host" in headers ? "" : `Host: 127.0.0.1:${proxy.port}\r\n`;
        const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
        client.write(`GET ${route} HTTP/1.1\r\n${host}${lines}Connection: close\r\n\r\n`);
        const answer = await client.readUntil("\r\n\r\n");
        expect(answer).toStartWith("HTTP/1.1 403");
        expect(answer.toLowerCase()).toContain("cache-control: no-store");
      } finally {
        client.close();
      }
    }
  });

  test.each(routes)("%s is never cached and refuses methods other than GET and HEAD", async (route) => {
    await using proxy = await startTestProxy();
    const res = await fetch(`${proxy.url}${route}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    await res.arrayBuffer();
    const post = await fetch(`${proxy.url}${route}`, { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    await post.arrayBuffer();
  });

  test.each(routes)("%s asks for the bearer token where the bridge does (--auth always): 401 without it, 200 with it", async (route) => {
    const token = "status-test-token-0123456789";
    await using proxy = await startTestProxy({ auth: "always", token });
    const refused = await fetch(`${proxy.url}${route}`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="mcp-proxy"');
    expect(refused.headers.get("cache-control")).toBe("no-store");
    await refused.arrayBuffer();
    const allowed = await fetch(`${proxy.url}${route}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    await allowed.arrayBuffer();
  });

  test("the page allows no script, style or connection from another origin", async () => {
    await using proxy = await startTestProxy();
    const res = await fetch(`${proxy.url}/`);
    const policy = res.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
