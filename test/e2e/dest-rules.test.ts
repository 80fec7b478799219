/**
 * Destination rules through the real proxy, on 127.0.0.1 only: --deny-dest / --allow-dest
 * apply to loopback clients too, so curl can be refused by them. Names are resolved by an
 * injected resolver where a test needs a name that is not in any DNS.
 */
import { describe, expect, test } from "bun:test";
import { startHttpOrigin, okResponse } from "../helpers/http-origin.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { proxyEnv, runClient } from "../helpers/run-client.ts";
import { startTlsOrigin } from "../helpers/tls-origin.ts";

const reply = (req: { line: string }) => okResponse(`origin saw ${req.line}`);
const curl = (proxyUrl: string, url: string, extra: string[] = []) =>
  runClient(["curl", "-sS", "-i", "--max-time", "10", ...extra, "-x", proxyUrl, url], proxyEnv(proxyUrl));

describe("destination rules", () => {
  test("--deny-dest refuses plain HTTP and CONNECT with 403 naming the rule, and nothing reaches the target", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using tls = await startTlsOrigin("never");
    await using proxy = await startTestProxy({ denyDests: ["127.0.0.1"] });
    const plain = await curl(proxy.url, `http://${origin.authority}/x`);
    expect(plain.out).toStartWith("HTTP/1.1 403 Forbidden\r\n");
    expect(plain.out).toContain("refused by the destination rules: --deny-dest 127.0.0.1");
    const tunnel = await curl(proxy.url, tls.url, ["--cacert", tls.caFile]);
    expect(tunnel.err).toContain("403");
    expect(origin.requests).toHaveLength(0);
    expect(proxy.logs.some((l) => l.includes("CONNECT 127.0.0.1:") && l.includes("403 forbidden"))).toBe(true);
  });

  test("a name that resolves to a denied address is refused: localhost under --deny-dest 127.0.0.0/8 and ::1", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy({ denyDests: ["127.0.0.0/8", "::1"] });
    const got = await curl(proxy.url, `http://localhost:${origin.port}/x`);
    expect(got.out).toStartWith("HTTP/1.1 403 Forbidden\r\n");
    expect(got.out).toContain("--deny-dest");
    expect(origin.requests).toHaveLength(0);
  });

  test("connects to the address it checked, not to the name again (a second DNS answer is never used)", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    const asked: string[] = [];
    // rebind.test is in no DNS: had the proxy connected by name, the request would fail with 502.
    const resolver = async (host: string) => (asked.push(host), ["127.0.0.1"]);
    await using proxy = await startTestProxy({ allowDests: ["127.0.0.1"], resolver });
    const got = await curl(proxy.url, `http://rebind.test:${origin.port}/x`);
    expect(got.out).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(origin.requests[0]!.head).toContain(`\r\nHost: rebind.test:${origin.port}\r\n`);
    expect(asked).toEqual(["rebind.test"]);
  });

  test("--allow-dest admits only what it names", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    await using proxy = await startTestProxy({ allowDests: ["*.example.org"] });
    const got = await curl(proxy.url, `http://${origin.authority}/x`);
    expect(got.out).toStartWith("HTTP/1.1 403 Forbidden\r\n");
    expect(got.out).toContain("not in --allow-dest");
  });

  test("a loopback client with no --allow-dest/--deny-dest takes today's path: no lookup of ours", async () => {
    await using origin = startHttpOrigin({ respond: reply });
    const asked: string[] = [];
    await using proxy = await startTestProxy({ resolver: async (host) => (asked.push(host), []) });
    const got = await curl(proxy.url, `http://${origin.authority}/x`);
    expect(got.out).toStartWith("HTTP/1.1 200 OK\r\n");
    const byName = await curl(proxy.url, `http://localhost:${origin.port}/x`);
    expect(byName.out).toMatch(/^HTTP\/1\.1 (200|502) /); // localhost may be ::1 first; either way, not our lookup
    expect(asked).toEqual([]);
  });
});
