import { describe, expect, test } from "bun:test";
import { checkGuard, hostAllowed, isLoopback, originAllowed, parseHost, type GuardPolicy } from "../../src/app/guard.ts";

const policy = (extra: Partial<GuardPolicy> = {}): GuardPolicy => ({ port: () => 28080, allowHosts: [], allowOrigins: [], ...extra });

describe("guard: Host", () => {
  test.each([
    ["127.0.0.1:28080"],
    ["localhost:28080"],
    ["LOCALHOST:28080"],
    ["[::1]:28080"],
    ["[0:0:0:0:0:0:0:1]:28080"],
    ["127.1.2.3:28080"],
    ["127.1:28080"],
  ])("accepts loopback %s on our port", (host) => {
    expect(hostAllowed(host, policy())).toBe(true);
  });

  test.each([
    ["127.evil.com:28080", "a DNS name that starts like a loopback address"],
    ["127.0.0.1.evil.com:28080", "a DNS name that contains a loopback address"],
    ["evil.example:28080", "a foreign name (DNS rebinding)"],
    ["evil.example", "a foreign name without a port"],
    ["127.0.0.1:9999", "loopback on another port"],
    ["127.0.0.1", "loopback without a port (means 80)"],
    ["localhost.evil.com:28080", "a name with localhost as a label"],
    ["evil.com@127.0.0.1:28080", "userinfo that a URL parser would strip"],
    ["127.0.0.1:28080/x", "a path"],
    ["10.0.0.1:28080", "a private, not loopback, address"],
    ["[::2]:28080", "an IPv6 address other than ::1"],
    ["", "an empty value"],
  ])("refuses %s (%s)", (host) => {
    expect(hostAllowed(host, policy())).toBe(false);
  });

  test("accepts --allow-host entries with any port, or the exact port when one is given", () => {
    const p = policy({ allowHosts: ["mybox.lan", "other.lan:9000"] });
    expect(hostAllowed("mybox.lan:1234", p)).toBe(true);
    expect(hostAllowed("MYBOX.LAN:28080", p)).toBe(true);
    expect(hostAllowed("other.lan:9000", p)).toBe(true);
    expect(hostAllowed("other.lan:9001", p)).toBe(false);
    expect(hostAllowed("sub.mybox.lan:28080", p)).toBe(false);
  });

  test("checkGuard remembers only the last Host verdict, never carrying it to another Host or port", () => {
    let port = 28080;
    const p = policy({ port: () => port });
    const req = (host: string) => new Request("http://app/sse", { headers: { host } });
    expect(() => checkGuard(req("127.0.0.1:28080"), p)).not.toThrow();
    expect(() => checkGuard(req("evil.example:28080"), p)).toThrow("forbidden: Host");
    expect(() => checkGuard(req("127.0.0.1:28080"), p)).not.toThrow();
    port = 9000;
    expect(() => checkGuard(req("127.0.0.1:28080"), p)).toThrow("forbidden: Host");
  });

  test("parses bracketed IPv6 with a port", () => {
    expect(parseHost("[::1]:80")).toEqual({ hostname: "[::1]", port: 80 });
    expect(parseHost("host:99999")).toBeUndefined();
  });

  test("knows loopback from look-alikes", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("127.evil.com")).toBe(false);
    expect(isLoopback("localhost")).toBe(true);
  });
});

describe("guard: Origin", () => {
  test.each([["http://localhost:3000"], ["http://127.0.0.1:5173"], ["http://[::1]:8080"], ["http://localhost"]])(
    "accepts the loopback origin %s",
    (origin) => expect(originAllowed(origin, [])).toBe(true),
  );

  test.each([["https://evil.example"], ["http://127.evil.com:3000"], ["null"], ["file://"], ["http://localhost.evil.com"]])(
    "refuses %s",
    (origin) => expect(originAllowed(origin, [])).toBe(false),
  );

  test("accepts listed origins, compared after normalisation", () => {
    expect(originAllowed("https://app.example", ["https://APP.example/"])).toBe(true);
    expect(originAllowed("https://app.example:444", ["https://app.example"])).toBe(false);
  });

  test("accepts any origin only when * is listed explicitly", () => {
    expect(originAllowed("https://evil.example", ["*"])).toBe(true);
    expect(originAllowed("https://evil.example", ["https://other.example"])).toBe(false);
  });
});
