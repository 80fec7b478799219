import { describe, expect, test } from "bun:test";
import { OptionsError, HttpError } from "../../src/errors.ts";
import { parseIp } from "../../src/security/address.ts";
import { destinationVerdict, parseDestRule, rulesApply, type DestRules } from "../../src/security/dest-rules.ts";
import { DestinationGuard, type Resolver } from "../../src/security/destination.ts";

const rules = (allow: string[] = [], deny: string[] = []): DestRules => ({
  allow: allow.map((text) => parseDestRule("--allow-dest", text)),
  deny: deny.map((text) => parseDestRule("--deny-dest", text)),
});
const own = ["192.168.1.20", "fd00::20"].map((text) => parseIp(text)!);
const verdict = (r: DestRules, host: string, addresses: string[], clientLoopback = false) =>
  destinationVerdict(r, { host, addresses: addresses.map((a) => parseIp(a)!), clientLoopback, own });

describe("destination rules", () => {
  test("a remote client may not reach loopback, link-local, unspecified or this machine's own addresses, in any spelling", () => {
    for (const address of ["127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1", "169.254.169.254", "fe80::1", "0.0.0.0", "::", "192.168.1.20", "::ffff:192.168.1.20", "fd00::20"]) {
      const result = verdict(rules(), address, [address]);
      expect(result.allowed).toBe(false);
      expect(!result.allowed && result.rule).toContain("remote clients may not reach");
    }
    expect(verdict(rules(), "93.184.216.34", ["93.184.216.34"]).allowed).toBe(true);
    expect(verdict(rules(), "2606:2800::1", ["2606:2800::1"]).allowed).toBe(true);
  });

  test("a loopback client keeps reaching loopback (zero-config local use) unless a rule says otherwise", () => {
    expect(verdict(rules(), "127.0.0.1", ["127.0.0.1"], true).allowed).toBe(true);
    expect(verdict(rules([], ["127.0.0.0/8"]), "127.0.0.1", ["127.0.0.1"], true)).toEqual({ allowed: false, rule: "--deny-dest 127.0.0.0/8 (127.0.0.1 is 127.0.0.1)" });
  });

  test("a name that resolves to a refused address is refused, even when only one of its addresses is", () => {
    const result = verdict(rules(), "metadata.example", ["93.184.216.34", "169.254.169.254"]);
    expect(result).toEqual({ allowed: false, rule: "remote clients may not reach link-local addresses (169.254.169.254)" });
    expect(verdict(rules([], ["10.0.0.0/8"]), "intranet.example", ["10.1.2.3"], true)).toMatchObject({ allowed: false });
  });

  test("--deny-dest matches names, *.suffix (subdomains only) and blocks, and wins over --allow-dest", () => {
    const r = rules(["*.example.com", "10.0.0.0/8"], ["secret.example.com", "10.9.0.0/16"]);
    expect(verdict(r, "secret.example.com", ["93.1.1.1"], true)).toEqual({ allowed: false, rule: "--deny-dest secret.example.com" });
    expect(verdict(r, "SECRET.example.com.", ["93.1.1.1"], true).allowed).toBe(false);
    expect(verdict(r, "api.example.com", ["93.1.1.1"], true).allowed).toBe(true);
    expect(verdict(r, "example.com", ["93.1.1.1"], true)).toEqual({ allowed: false, rule: "not in --allow-dest" });
    expect(verdict(r, "evilexample.com", ["93.1.1.1"], true).allowed).toBe(false);
    expect(verdict(r, "10.1.2.3", ["10.1.2.3"], true).allowed).toBe(true);
    expect(verdict(r, "10.9.2.3", ["10.9.2.3"], true).allowed).toBe(false);
  });

  test("--allow-dest lets a remote client reach a local destination it names, but only that one", () => {
    const r = rules(["127.0.0.1", "host.internal"]);
    expect(verdict(r, "127.0.0.1", ["127.0.0.1"]).allowed).toBe(true);
    expect(verdict(r, "host.internal", ["192.168.1.20"]).allowed).toBe(true);
    expect(verdict(r, "127.0.0.2", ["127.0.0.2"]).allowed).toBe(false);
  });

  test("bad rules are refused with the flag's name", () => {
    for (const bad of ["", "http://x", "10.0.0.0/40", "a b", "*.", "*"]) expect(() => parseDestRule("--deny-dest", bad)).toThrow(OptionsError);
  });

  test("no rule applies to a loopback client without --allow-dest/--deny-dest: it keeps the lookup-free path", () => {
    expect(rulesApply(rules(), true)).toBe(false);
    expect(rulesApply(rules(), false)).toBe(true);
    expect(rulesApply(rules([], ["x.example"]), true)).toBe(true);
  });
});

describe("DestinationGuard", () => {
  const resolverOf = (table: Record<string, string[]>, calls: string[] = []): Resolver => async (host) => {
    calls.push(host);
    const found = table[host];
    if (!found) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    return found;
  };

  test("returns the address it checked, so the connect cannot resolve the name again to another one (DNS rebinding)", async () => {
    const calls: string[] = [];
    const guard = new DestinationGuard(rules(), resolverOf({ "rebind.example": ["93.184.216.34"] }, calls), () => []);
    expect(await guard.check("rebind.example", false)).toBe("93.184.216.34");
    expect(calls).toEqual(["rebind.example"]);
  });

  test("refuses with 403 naming the rule when a name resolves to a denied address", async () => {
    const guard = new DestinationGuard(rules(), resolverOf({ "evil.example": ["127.0.0.1"] }), () => []);
    const error = await guard.check("evil.example", false).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(403);
    expect((error as HttpError).message).toContain("remote clients may not reach loopback (127.0.0.1)");
  });

  test("address literals are not looked up; this machine's addresses come from the interface list", async () => {
    const calls: string[] = [];
    const guard = new DestinationGuard(rules(), resolverOf({}, calls), () => ["10.20.30.40", "fe80::1%eth0"]);
    await expect(guard.check("10.20.30.40", false)).rejects.toThrow("this machine's own address (10.20.30.40)");
    expect(await guard.check("10.20.30.41", false)).toBe("10.20.30.41");
    expect(calls).toEqual([]);
  });

  test("the real resolver: localhost, 127.1 and 2130706433 resolve to loopback and are refused for a remote client", async () => {
    const guard = new DestinationGuard(rules(), (await import("../../src/security/destination.ts")).systemResolver);
    // Short and decimal spellings are no address literal to our parser, but the resolver turns them into 127.0.0.1.
    for (const host of ["localhost", "127.1", "2130706433"]) await expect(guard.check(host, false)).rejects.toThrow("may not reach loopback");
    expect(["127.0.0.1", "::1"]).toContain(await guard.check("localhost", true));
  });
});
