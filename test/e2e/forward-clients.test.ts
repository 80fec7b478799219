/**
 * Real HTTP_PROXY clients sending absolute-form requests for http:// URLs through the proxy to
 * a local origin that echoes what it received: curl -x, Python urllib, Bun fetch `proxy:`,
 * Node with undici's ProxyAgent, and Node's own NODE_USE_ENV_PROXY where the Node has it.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { startHttpOrigin, okResponse, type HttpOrigin } from "../helpers/http-origin.ts";
import { proxyEnv, runClient } from "../helpers/run-client.ts";
import { startTestProxy, type TestProxy } from "../helpers/proxy.ts";
import { waitFor } from "../helpers/wait.ts";

const root = new URL("../..", import.meta.url).pathname;
const undiciPath = `${root}node_modules/undici/index.js`;



function nodeVersion(): [number, number] | undefined {
  const result = Bun.spawnSync(["node", "--version"], { stdout: "pipe", stderr: "ignore" });
  const match = /^v(\d+)\.(\d+)/.exec(result.stdout.toString());
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}
const node = nodeVersion();
/** NODE_USE_ENV_PROXY arrived in Node 24.5 and was backported to 22.21. */
const nodeHasEnvProxy = !!node && (node[0] > 24 || (node[0] === 24 && node[1] >= 5) || (node[0] === 22 && node[1] >= 21));

/** The origin answers with a fixed body and records what it got; checks shared by every client. */
function reply(req: { line: string }) {
  return okResponse(`origin saw ${req.line}`);
}

async function expectForwarded(origin: HttpOrigin, proxy: TestProxy, method: string, path: string): Promise<void> {
  const req = origin.requests.at(-1)!;
  expect(req.line).toBe(`${method} ${path} HTTP/1.1`);
  expect(req.head).toContain(`\r\nHost: ${origin.authority}\r\n`);
  expect(req.head).toContain("\r\nVia: 1.1 mcp-proxy\r\n");
  expect(req.head.toLowerCase()).not.toContain("proxy-connection");
  await waitFor(() => proxy.logs.some((l) => l.includes(`${method} ${origin.authority}${path} 200`)), 2000, "the proxy's request log line");
}

describe("real clients through plain-HTTP forwarding", () => {
  test("curl -x: GET and a POST body", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy();
    const url = `http://${origin.authority}/curl?x=1`;
    const got = await runClient(["curl", "-sS", "--max-time", "10", "-x", proxy.url, url], proxyEnv(proxy.url));
    expect(got.err).toBe("");
    expect(got.out).toBe("origin saw GET /curl?x=1 HTTP/1.1");
    await expectForwarded(origin, proxy, "GET", "/curl?x=1");

    const posted = await runClient(["curl", "-sS", "--max-time", "10", "-x", proxy.url, "--data-binary", "a=1&b=2", url], proxyEnv(proxy.url));
    expect(posted.out).toBe("origin saw POST /curl?x=1 HTTP/1.1");
    expect(origin.requests.at(-1)!.rawBody.toString()).toBe("a=1&b=2");
  });

  test("curl with http_proxy from the environment", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy();
    const got = await runClient(["curl", "-sS", "--max-time", "10", `http://${origin.authority}/env`], proxyEnv(proxy.url));
    expect(got.out).toBe("origin saw GET /env HTTP/1.1");
    await expectForwarded(origin, proxy, "GET", "/env");
  });

  test("Python urllib with HTTP_PROXY", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy();
    const script = "import sys, urllib.request\nprint(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode(), end='')";
    const got = await runClient(["python3", "-c", script, `http://${origin.authority}/py`], proxyEnv(proxy.url));
    expect(got.err).toBe("");
    expect(got.out).toBe("origin saw GET /py HTTP/1.1");
    await expectForwarded(origin, proxy, "GET", "/py");
  });

  test("Bun fetch with proxy: GET and a POST body", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy();
    const first = await fetch(`http://${origin.authority}/bun`, { proxy: proxy.url });
    expect(await first.text()).toBe("origin saw GET /bun HTTP/1.1");
    expect(first.headers.get("via")).toBe("1.1 mcp-proxy");
    await expectForwarded(origin, proxy, "GET", "/bun");
    const second = await fetch(`http://${origin.authority}/bun-post`, { proxy: proxy.url, method: "POST", body: "payload" });
    expect(await second.text()).toBe("origin saw POST /bun-post HTTP/1.1");
    expect(origin.requests.at(-1)!.rawBody.toString()).toBe("payload");
  });

  test.skipIf(!existsSync(undiciPath) || !node)("Node with undici ProxyAgent (proxyTunnel: false sends absolute-form)", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy();
    const script = [
      "const { ProxyAgent, request } = require(process.argv[1]);",
      "(async () => {",
      "  const dispatcher = new ProxyAgent({ uri: process.argv[2], proxyTunnel: false });",
      "  const res = await request(process.argv[3], { dispatcher });",
      "  process.stdout.write(`${res.statusCode} ${await res.body.text()}`);",
      "  await dispatcher.close();",
      "})().catch((e) => { console.error(e); process.exit(1); });",
    ].join("\n");
    const got = await runClient(["node", "-e", script, undiciPath, proxy.url, `http://${origin.authority}/node`], proxyEnv(proxy.url));
    expect(got.err).toBe("");
    expect(got.out).toBe("200 origin saw GET /node HTTP/1.1");
    await expectForwarded(origin, proxy, "GET", "/node");
  });

  test.skipIf(!existsSync(undiciPath) || !node)("Node with undici ProxyAgent's default tunnel reaches an http:// origin by CONNECT", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy();
    const script = [
      "const { ProxyAgent, request } = require(process.argv[1]);",
      "(async () => {",
      "  const dispatcher = new ProxyAgent(process.argv[2]);",
      "  const res = await request(process.argv[3], { dispatcher });",
      "  process.stdout.write(`${res.statusCode} ${await res.body.text()}`);",
      "  await dispatcher.close();",
      "})().catch((e) => { console.error(e); process.exit(1); });",
    ].join("\n");
    const got = await runClient(["node", "-e", script, undiciPath, proxy.url, `http://${origin.authority}/tunnel`], proxyEnv(proxy.url));
    expect(got.out).toBe("200 origin saw GET /tunnel HTTP/1.1");
    await waitFor(() => proxy.logs.some((l) => l.includes(`CONNECT ${origin.authority}`)), 2000, "the CONNECT log line");
  });

  // Node 20 on this machine has no NODE_USE_ENV_PROXY (added in 24.5, backported to 22.21).
  test.skipIf(!nodeHasEnvProxy)(
    `Node fetch with NODE_USE_ENV_PROXY=1 and HTTP_PROXY (skipped: needs Node >= 22.21 or 24.5, found ${node?.join(".") ?? "none"})`,
    async () => {
      await using origin = startHttpOrigin({ respond: reply });
      await using proxy = await startTestProxy();
      const script = "fetch(process.argv[1]).then(async (r) => process.stdout.write(await r.text())).catch((e) => { console.error(e); process.exit(1); })";
      const got = await runClient(["node", "-e", script, `http://${origin.authority}/env-proxy`], proxyEnv(proxy.url, { NODE_USE_ENV_PROXY: "1" }));
      expect(got.out).toBe("origin saw GET /env-proxy HTTP/1.1");
      await expectForwarded(origin, proxy, "GET", "/env-proxy");
    },
  );
});
