import { describe, expect, test } from "bun:test";
import { HttpError } from "../../src/errors.ts";
import { formatTarget, parseAuthority } from "../../src/forward/target.ts";

describe("parseAuthority", () => {
  test("splits host and port", () => {
    expect(parseAuthority("example.test:443")).toEqual({ host: "example.test", port: 443 });
    expect(parseAuthority("127.0.0.1:1")).toEqual({ host: "127.0.0.1", port: 1 });
    expect(parseAuthority("[::1]:65535")).toEqual({ host: "::1", port: 65535 });
    expect(parseAuthority("[2001:db8::1]:8443")).toEqual({ host: "2001:db8::1", port: 8443 });
  });

  for (const bad of ["example.test", "example.test:", ":443", "example.test:0", "example.test:65536", "example.test:https",
    "example.test:+443", "::1:443", "[::1]", "[::1]443", "[example.test]:443", "ex ample:443", "a/b:443", "[::1:443"]) {
    test(`refuses ${JSON.stringify(bad)} with a 400 that does not echo it`, () => {
      let error: unknown;
      try {
        parseAuthority(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(400);
      if (bad.length > 3) expect((error as HttpError).message).not.toContain(bad);
    });
  }

  test("formats IPv6 targets in brackets for logs", () => {
    expect(formatTarget({ host: "::1", port: 8080 })).toBe("[::1]:8080");
    expect(formatTarget({ host: "a.test", port: 80 })).toBe("a.test:80");
  });
});
