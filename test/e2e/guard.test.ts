import { describe, expect, test } from "bun:test";
import { echoServer } from "../helpers/mcp-servers.ts";
import { startTestProxy, type TestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Sends one request with exactly these headers and reads the status line and head. */
async function rawRequest(proxy: TestProxy, method: string, path: string, headers: Record<string, string>): Promise<RawAnswer> {
  const client = await rawConnect(proxy.port);
  try {
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    const body = method === "POST" ? "{}" : "";
    const length = method === "POST" ? `Content-Length: ${body.length}\r\n` : "";
    client.write(`${method} ${path} HTTP/1.1\r\n${lines.join("")}${length}\r\n${body}`);
    const text = await client.readUntil(/\r\n\r\n/);
    const [head = "", rest = ""] = text.split("\r\n\r\n");
    const [statusLine = "", ...headerLines] = head.split("\r\n");
    return {
      status: Number(statusLine.split(" ")[1]),
      headers: new Map(headerLines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()])),
      body: rest,
    };
  } finally {
    client.close();
  }
}

const opened = (proxy: TestProxy) => proxy.logs.filter((line) => line.includes("opened: pid")).length;

describe("guard: Host", () => {
  test.each([
    ["evil.example", "a foreign name (DNS rebinding)"],
    ["127.evil.com:PORT", "a DNS name that starts like 127."],
    ["localhost.evil.com:PORT", "a DNS name that starts like localhost"],
    ["127.0.0.1:1", "loopback on another port"],
  ])("refuses Host: %s (%s) with 403 before starting a child", async (host) => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const answer = await rawRequest(proxy, "GET", "/sse", { Host: host.replace("PORT", String(proxy.port)) });
    expect(answer.status).toBe(403);
    expect(opened(proxy)).toBe(0);
  });

  test("refuses a POST /messages with a foreign Host with 403", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const answer = await rawRequest(proxy, "POST", "/messages?session_id=x", { Host: "evil.example" });
    expect(answer.status).toBe(403);
  });

  test.each([["127.0.0.1:PORT"], ["localhost:PORT"], ["[::1]:PORT"]])("accepts Host: %s", async (host) => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const answer = await rawRequest(proxy, "GET", "/sse", { Host: host.replace("PORT", String(proxy.port)) });
    expect(answer.status).toBe(200);
  });

  test("accepts a Host listed with --allow-host", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), allowHosts: ["mcp.example.lan"] });
    const answer = await rawRequest(proxy, "GET", "/sse", { Host: "mcp.example.lan:8443" });
    expect(answer.status).toBe(200);
  });
});

describe("guard: Origin", () => {
  test("refuses a foreign Origin with 403 and no CORS headers, on /sse and /messages", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const host = `127.0.0.1:${proxy.port}`;
    const sse = await rawRequest(proxy, "GET", "/sse", { Host: host, Origin: "https://evil.example" });
    expect(sse.status).toBe(403);
    expect(sse.headers.has("access-control-allow-origin")).toBe(false);
    const post = await rawRequest(proxy, "POST", "/messages?session_id=x", { Host: host, Origin: "https://evil.example" });
    expect(post.status).toBe(403);
    expect(opened(proxy)).toBe(0);
  });

  test.each([["http://localhost:3000"], ["http://127.0.0.1:5173"], ["http://[::1]:8080"]])(
    "lets the loopback origin %s through, with its CORS header",
    async (origin) => {
      await using proxy = await startTestProxy({ sse: echoServer() });
      const answer = await rawRequest(proxy, "GET", "/sse", { Host: `127.0.0.1:${proxy.port}`, Origin: origin });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("access-control-allow-origin")).toBe(origin);
    },
  );

  test("lets an origin listed with --allow-origin through, and only that one", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), allowOrigins: ["https://app.example"] });
    const host = `127.0.0.1:${proxy.port}`;
    expect((await rawRequest(proxy, "GET", "/sse", { Host: host, Origin: "https://app.example" })).status).toBe(200);
    expect((await rawRequest(proxy, "GET", "/sse", { Host: host, Origin: "https://other.example" })).status).toBe(403);
  });

  test("lets any origin through only when * is given explicitly", async () => {
    await using proxy = await startTestProxy({ sse: echoServer(), allowOrigins: ["*"] });
    const answer = await rawRequest(proxy, "GET", "/sse", { Host: `127.0.0.1:${proxy.port}`, Origin: "https://anything.example" });
    expect(answer.status).toBe(200);
  });

  test("lets requests without Origin through (CLI and SDK clients send none)", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    expect((await rawRequest(proxy, "GET", "/sse", { Host: `localhost:${proxy.port}` })).status).toBe(200);
  });
});

describe("CORS preflight", () => {
  test.each([["/mcp"], ["/sse"], ["/messages"]])("answers OPTIONS %s for a loopback origin with the bridge's methods and headers", async (path) => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const origin = "http://localhost:6274";
    const answer = await rawRequest(proxy, "OPTIONS", path, {
      Host: `127.0.0.1:${proxy.port}`,
      Origin: origin,
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "content-type, mcp-protocol-version",
    });
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe(origin);
    expect(answer.headers.get("access-control-allow-methods")).toBe("GET, POST, DELETE, OPTIONS");
    expect(answer.headers.get("access-control-allow-headers")).toBe(
      "Content-Type, Authorization, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID",
    );
    expect(answer.headers.get("vary")).toContain("Origin");
    expect(answer.headers.get("access-control-expose-headers")).toBe("Mcp-Session-Id");
    expect(opened(proxy)).toBe(0);
  });

  test("refuses a preflight from a foreign origin with 403", async () => {
    await using proxy = await startTestProxy({ sse: echoServer() });
    const answer = await rawRequest(proxy, "OPTIONS", "/messages", {
      Host: `127.0.0.1:${proxy.port}`,
      Origin: "https://evil.example",
      "Access-Control-Request-Method": "POST",
    });
    expect(answer.status).toBe(403);
    expect(answer.headers.has("access-control-allow-methods")).toBe(false);
  });
});
