/**
 * Proxy credentials with real clients, on 127.0.0.1 under --auth always: curl with and without
 * `-x http://u:TOKEN@…` (CONNECT and plain HTTP), Python urllib and undici's ProxyAgent with a
 * credentialed proxy URL. The origin records what it got: Proxy-Authorization never reaches it.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { readResponses } from "../helpers/forward-client.ts";
import { startHttpOrigin, okResponse } from "../helpers/http-origin.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { proxyEnv, runClient } from "../helpers/run-client.ts";
import { startTlsOrigin } from "../helpers/tls-origin.ts";
import { within } from "../helpers/wait.ts";

const TOKEN = "test-token-9f8e7d6c5b4a3210";
const undiciPath = `${new URL("../..", import.meta.url).pathname}node_modules/undici/index.js`;
const withCreds = (url: string, user = "u", token = TOKEN) => url.replace("http://", `http://${user}:${token}@`);
const reply = (req: { line: string }) => okResponse(`origin saw ${req.line}`);
const basic = (token = TOKEN) => `Basic ${Buffer.from(`anyone:${token}`).toString("base64")}`;

function expectNoProxyAuth(head: string): void {
  expect(head.toLowerCase()).not.toContain("proxy-authorization");
  expect(head).not.toContain(TOKEN);
}

describe("proxy credentials (--auth always)", () => {
  test("curl without credentials gets 407 with Proxy-Authenticate for plain HTTP, and nothing reaches the origin", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN });
    const got = await runClient(["curl", "-sS", "-i", "--max-time", "10", "-x", proxy.url, `http://${origin.authority}/x`], proxyEnv(proxy.url));
    expect(got.out).toStartWith("HTTP/1.1 407 Proxy Authentication Required\r\n");
    expect(got.out).toContain('\r\nProxy-Authenticate: Basic realm="mcp-proxy"\r\n');
    expect(got.out).toContain("\r\nConnection: close\r\n");
    expect(origin.requests).toHaveLength(0);
  });

  test("curl -x http://u:TOKEN@… forwards plain HTTP, and Proxy-Authorization does not reach the origin", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN });
    const got = await runClient(["curl", "-sS", "--max-time", "10", "-x", withCreds(proxy.url), `http://${origin.authority}/ok`], proxyEnv(proxy.url));
    expect(got.err).toBe("");
    expect(got.out).toBe("origin saw GET /ok HTTP/1.1");
    expectNoProxyAuth(origin.requests[0]!.head);
    expect(proxy.logs.join("")).not.toContain(TOKEN);
  });

  test("curl CONNECT: 407 without credentials, a verified TLS exchange with them", async () => {
    await using origin = await startTlsOrigin("hello with token");
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN });
    const refused = await runClient(["curl", "-sS", "--max-time", "10", "--cacert", origin.caFile, "-x", proxy.url, origin.url], proxyEnv(proxy.url));
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain("407");
    const wrong = await runClient(["curl", "-sS", "--max-time", "10", "--cacert", origin.caFile, "-x", withCreds(proxy.url, "u", "wrong-token-0123456789"), origin.url], proxyEnv(proxy.url));
    expect(wrong.err).toContain("407");
    const ok = await runClient(["curl", "-sS", "--max-time", "10", "--cacert", origin.caFile, "-x", withCreds(proxy.url), origin.url], proxyEnv(proxy.url));
    expect(ok.err).toBe("");
    expect(ok.out).toBe("hello with token");
    expect(proxy.logs.some((l) => l.includes("407 proxy authentication failed (no Proxy-Authorization)"))).toBe(true);
    expect(proxy.logs.join("")).not.toContain("wrong-token-0123456789");
  });

  test("Python urllib with a credentialed proxy URL, for http:// and (CONNECT) https://", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using tls = await startTlsOrigin("hello python");
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN });
    const script = [
      "import ssl, sys, urllib.request",
      "ctx = ssl.create_default_context(cafile=sys.argv[1])",
      "print(urllib.request.urlopen(sys.argv[2], timeout=10).read().decode())",
      "print(urllib.request.urlopen(sys.argv[3], context=ctx, timeout=10).read().decode(), end='')",
    ].join("\n");
    const got = await runClient(["python3", "-c", script, tls.caFile, `http://${origin.authority}/py`, tls.url], proxyEnv(withCreds(proxy.url)));
    expect(got.err).toBe("");
    expect(got.out).toBe("origin saw GET /py HTTP/1.1\nhello python");
    expectNoProxyAuth(origin.requests[0]!.head);
    const refused = await runClient(["python3", "-c", script, tls.caFile, `http://${origin.authority}/py`, tls.url], proxyEnv(proxy.url));
    expect(refused.err).toContain("407");
  });

  test.skipIf(!existsSync(undiciPath))("undici ProxyAgent with a token, absolute-form and CONNECT; without it 407", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN });
    const script = [
      "const { ProxyAgent, request } = require(process.argv[1]);",
      "(async () => {",
      "  const out = [];",
      "  for (const [tunnel, token] of [[false, process.argv[4]], [true, process.argv[4]], [false, undefined]]) {",
      "    const dispatcher = new ProxyAgent({ uri: process.argv[2], proxyTunnel: tunnel, token });",
      "    try { const res = await request(process.argv[3], { dispatcher }); out.push(`${res.statusCode} ${await res.body.text()}`); }",
      "    catch (e) { out.push(`error ${e.message}`); }",
      "    await dispatcher.close();",
      "  }",
      "  process.stdout.write(out.join('\\n'));",
      "})().catch((e) => { console.error(e); process.exit(1); });",
    ].join("\n");
    const got = await runClient(["node", "-e", script, undiciPath, proxy.url, `http://${origin.authority}/node`, basic()], proxyEnv(proxy.url));
    const [plain, tunnelled, refused] = got.out.split("\n");
    expect(plain).toBe("200 origin saw GET /node HTTP/1.1");
    expect(tunnelled).toBe("200 origin saw GET /node HTTP/1.1");
    expect(refused).toMatch(/^(407 |error .*407)/);
    expect(origin.requests).toHaveLength(2);
    for (const req of origin.requests) expectNoProxyAuth(req.head);
  });

  test("checks every request on a kept-alive connection, not only the first", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy({ auth: "always", token: TOKEN });
    const client = await rawConnect(proxy.port);
    try {
      const get = (auth?: string) => `GET http://${origin.authority}/k HTTP/1.1\r\nHost: ${origin.authority}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ""}\r\n`;
      client.write(get(basic()));
      client.write(get(basic()));
      client.write(get());
      const responses = await readResponses(client, 3);
      expect(responses.map((r) => r.status)).toEqual([200, 200, 407]);
      await within(client.ended, 5000, "the proxy closes after the 407");
      expect(origin.requests).toHaveLength(2);
      const other = await rawConnect(proxy.port);
      try {
        other.write(get(basic()));
        other.write(get(basic("wrong-token-wrong-token")));
        expect((await readResponses(other, 2)).map((r) => r.status)).toEqual([200, 407]);
      } finally {
        other.close();
      }
    } finally {
      client.close();
    }
  });

  test("loopback-free (the default): a loopback client needs no credentials even with a token set", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy({ token: TOKEN });
    const got = await runClient(["curl", "-sS", "--max-time", "10", "-x", proxy.url, `http://${origin.authority}/free`], proxyEnv(proxy.url));
    expect(got.out).toBe("origin saw GET /free HTTP/1.1");
  });

  test("--auth off forwards without credentials and still strips a Proxy-Authorization a client sends", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy({ auth: "off" });
    const got = await runClient(["curl", "-sS", "--max-time", "10", "-x", withCreds(proxy.url), `http://${origin.authority}/off`], proxyEnv(proxy.url));
    expect(got.out).toBe("origin saw GET /off HTTP/1.1");
    expectNoProxyAuth(origin.requests[0]!.head);
  });
});
