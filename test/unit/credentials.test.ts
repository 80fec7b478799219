import { describe, expect, test } from "bun:test";
import { fieldValue, TokenCheck } from "../../src/security/credentials.ts";

const token = "s3cret-token-0123456789abcdef";
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString("base64")}`;

describe("token check", () => {
  const check = new TokenCheck(token);

  test("accepts Basic any-user:token and Bearer token, schemes in any case", () => {
    expect(check.basic(basic(`u:${token}`))).toBe(true);
    expect(check.basic(basic(`another user:${token}`))).toBe(true);
    expect(check.basic(basic(`:${token}`))).toBe(true);
    expect(check.basic(`bAsIc ${Buffer.from(`u:${token}`).toString("base64")}`)).toBe(true);
    expect(check.bearer(`Bearer ${token}`)).toBe(true);
    expect(check.bearer(`bearer ${token}`)).toBe(true);
  });

  test("refuses a missing, empty, wrong-scheme or user-only credential, and a password that only contains the token", () => {
    for (const value of [undefined, null, "", "Basic", "Basic !!!", `Bearer ${token}`, basic(token), basic(`u:${token}x`), basic(`${token}:x`)]) {
      expect(check.basic(value)).toBe(false);
    }
    for (const value of [undefined, null, "", "Bearer", `Basic ${token}`, `Bearer ${token} extra`, `Bearer ${token.slice(1)}`]) {
      expect(check.bearer(value)).toBe(false);
    }
  });

  // What this proves: candidates of any length reach timingSafeEqual without it throwing (it
  // throws on unequal lengths, so the raw strings are not what it compares: digests are), and a
  // difference in the first byte fails exactly as one in the last does. It cannot measure time.
  test("compares fixed-length digests: any candidate length works, first- and last-byte differences both fail", () => {
    const first = `X${token.slice(1)}`;
    const last = `${token.slice(0, -1)}X`;
    for (const candidate of ["", "a", first, last, token + token, "x".repeat(10_000)]) {
      expect(() => check.matches(candidate)).not.toThrow();
      expect(check.matches(candidate)).toBe(false);
    }
    expect(check.matches(token)).toBe(true);
    expect(check.matches(new TextEncoder().encode(token))).toBe(true);
  });

  test("with no token configured nothing matches, not even an empty credential", () => {
    const none = new TokenCheck(undefined);
    expect(none.matches("")).toBe(false);
    expect(none.basic(basic("u:"))).toBe(false);
    expect(none.bearer("Bearer ")).toBe(false);
  });
});

describe("fieldValue", () => {
  test("finds a field in a raw head by name in any case, and only at a line start", () => {
    const head = "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nX-Proxy-Authorization: no\r\nproxy-AUTHORIZATION:  Basic abc \r\n\r\n";
    expect(fieldValue(head, "proxy-authorization")).toBe("Basic abc");
    expect(fieldValue("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", "proxy-authorization")).toBeUndefined();
  });
});
