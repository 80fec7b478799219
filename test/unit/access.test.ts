import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/log.ts";
import { Access, type AuthMode } from "../../src/security/access.ts";
import { parseCidr } from "../../src/security/address.ts";

const token = "0123456789abcdef-token";

function access(auth: AuthMode, allowClients: string[] = []) {
  const lines: string[] = [];
  const a = new Access(
    { auth, token, allowClients: allowClients.map((c) => parseCidr(c)!), destRules: { allow: [], deny: [] }, resolver: async () => [] },
    createLogger("verbose", (line) => void lines.push(line)),
  );
  return Object.assign(a, { lines });
}

describe("client admission", () => {
  test("loopback-free: loopback peers (IPv4, ::1, IPv4-mapped) need no credentials, every other peer does", () => {
    const a = access("loopback-free");
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) expect(a.admit(address)).toEqual({ address, loopback: true, trusted: true });
    for (const address of ["172.17.0.2", "::ffff:172.17.0.2", "fe80::1", "2001:db8::1"]) expect(a.admit(address)).toEqual({ address, loopback: false, trusted: false });
  });

  test("always asks loopback too; off asks nobody", () => {
    expect(access("always").admit("127.0.0.1")!.trusted).toBe(false);
    expect(access("off").admit("10.0.0.9")!.trusted).toBe(true);
  });

  test("--allow-client keeps out other non-loopback peers (logged once a minute per address), never loopback", () => {
    const a = access("loopback-free", ["172.17.0.0/16"]);
    expect(a.admit("::ffff:172.17.0.9")).toMatchObject({ trusted: false });
    expect(a.admit("127.0.0.1")).toMatchObject({ trusted: true });
    expect(a.admit("10.0.0.9")).toBeUndefined();
    expect(a.admit("10.0.0.9")).toBeUndefined();
    expect(a.admit(undefined)).toBeUndefined();
    expect(a.lines.filter((l) => l.includes("10.0.0.9 - connection refused")).length).toBe(1);
  });

  test("a failed proxy login is logged without the credential, once per address per minute", () => {
    const a = access("always");
    const peer = a.admit("127.0.0.1")!;
    const wrong = `Basic ${Buffer.from("u:not-the-token-at-all").toString("base64")}`;
    expect(a.proxyAuthorized(peer, wrong)).toBe(false);
    expect(a.proxyAuthorized(peer, undefined)).toBe(false);
    expect(a.proxyAuthorized(peer, `Basic ${Buffer.from(`u:${token}`).toString("base64")}`)).toBe(true);
    expect(a.lines).toHaveLength(1);
    expect(a.lines[0]).toContain("127.0.0.1 - 407 proxy authentication failed (wrong Proxy-Authorization)");
    expect(a.lines.join("")).not.toContain(wrong.slice(6));
  });
});
