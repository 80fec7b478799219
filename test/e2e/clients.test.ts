/** Real clients that honour HTTPS_PROXY, through the proxy, to a local TLS origin. */
import { describe, expect, test } from "bun:test";
import { proxyEnv, runClient } from "../helpers/run-client.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { startTlsOrigin } from "../helpers/tls-origin.ts";



describe("real clients through CONNECT", () => {
  test("curl -x reaches an HTTPS origin and verifies its certificate", async () => {
    await using origin = await startTlsOrigin("hello curl");
    await using proxy = await startTestProxy();
    const result = await runClient(["curl", "-sS", "--max-time", "10", "--cacert", origin.caFile, "-x", proxy.url, origin.url], proxyEnv(proxy.url));
    expect(result.err).toBe("");
    expect(result.out).toBe("hello curl");
    expect(proxy.logs.join("")).toContain(`CONNECT 127.0.0.1:${origin.port}`);
  });

  test("Python urllib with HTTPS_PROXY reaches an HTTPS origin", async () => {
    await using origin = await startTlsOrigin("hello python");
    await using proxy = await startTestProxy();
    const script = [
      "import ssl, sys, urllib.request",
      "ctx = ssl.create_default_context(cafile=sys.argv[1])",
      "print(urllib.request.urlopen(sys.argv[2], context=ctx, timeout=10).read().decode(), end='')",
    ].join("\n");
    const result = await runClient(["python3", "-c", script, origin.caFile, origin.url], proxyEnv(proxy.url));
    expect(result.err).toBe("");
    expect(result.out).toBe("hello python");
    expect(proxy.logs.join("")).toContain(`CONNECT 127.0.0.1:${origin.port}`);
  });

  test("Bun fetch with proxy: reaches an HTTPS origin", async () => {
    await using origin = await startTlsOrigin("hello bun");
    await using proxy = await startTestProxy();
    const response = await fetch(origin.url, { proxy: proxy.url, tls: { ca: await Bun.file(origin.caFile).text() } });
    expect(await response.text()).toBe("hello bun");
    expect(proxy.logs.join("")).toContain(`CONNECT 127.0.0.1:${origin.port}`);
  });
});
