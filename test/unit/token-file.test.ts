import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withToken } from "../../src/cli-args.ts";
import { OptionsError } from "../../src/errors.ts";
import { defaultTokenPath, loadToken } from "../../src/security/token-file.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mcp-proxy-token-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

describe("token file", () => {
  test("is created on first use under $XDG_CONFIG_HOME (folder 0700, file 0600, ≥128 random bits) and reused after", () => {
    const env = { XDG_CONFIG_HOME: join(dir, "xdg"), HOME: join(dir, "home") };
    const first = loadToken(env, undefined);
    const path = join(dir, "xdg", "mcp-proxy", "token");
    expect(first).toMatchObject({ source: path, created: true });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
    expect(mode(path)).toBe(0o600);
    expect(mode(join(dir, "xdg", "mcp-proxy"))).toBe(0o700);
    const second = loadToken(env, undefined);
    expect(second).toEqual({ token: first.token, source: path, created: false });
    expect(readFileSync(path, "utf8")).toBe(`${first.token}\n`);
  });

  test("falls back to ~/.config without XDG_CONFIG_HOME", () => {
    expect(defaultTokenPath({ HOME: "/home/u" })).toBe("/home/u/.config/mcp-proxy/token");
    expect(defaultTokenPath({ HOME: "/home/u", XDG_CONFIG_HOME: "/x" })).toBe("/x/mcp-proxy/token");
  });

  test("MCP_PROXY_TOKEN wins over --token-file and the default file, and no file is created", () => {
    const file = join(dir, "given");
    writeFileSync(file, "token-from-the-file-0123\n");
    const env = { MCP_PROXY_TOKEN: "token-from-the-env-0123", XDG_CONFIG_HOME: join(dir, "xdg") };
    expect(loadToken(env, file)).toEqual({ token: "token-from-the-env-0123", source: "MCP_PROXY_TOKEN", created: false });
    expect(loadToken(env, undefined).token).toBe("token-from-the-env-0123");
    expect(() => statSync(join(dir, "xdg"))).toThrow();
  });

  test("an existing --token-file is read (first line), never overwritten; an empty one is an error", () => {
    const file = join(dir, "given");
    writeFileSync(file, "  my-own-token-0123456789  \nsecond line\n");
    expect(loadToken({}, file)).toEqual({ token: "my-own-token-0123456789", source: file, created: false });
    expect(readFileSync(file, "utf8")).toBe("  my-own-token-0123456789  \nsecond line\n");
    writeFileSync(file, "\n");
    expect(() => loadToken({}, file)).toThrow(OptionsError);
  });

  test("a loopback proxy with the defaults reads and writes no token; auth always or a public host does", () => {
    const env = { XDG_CONFIG_HOME: join(dir, "xdg") };
    expect(withToken({ host: "127.0.0.1" }, undefined, env).options.token).toBeUndefined();
    expect(() => statSync(join(dir, "xdg"))).toThrow();
    expect(withToken({ host: "127.0.0.1", auth: "off" }, undefined, env).options.token).toBeUndefined();
    const always = withToken({ host: "127.0.0.1", auth: "always" }, undefined, env);
    expect(always.options.token).toBeString();
    expect(always.notes.join("")).toContain("created a new token");
    expect(withToken({ host: "0.0.0.0" }, undefined, env).options.token).toBe(always.options.token);
    mkdirSync(join(dir, "other"));
    const both = withToken({ auth: "always" }, join(dir, "other", "t"), { ...env, MCP_PROXY_TOKEN: "env-token-0123456789" });
    expect(both.options).toMatchObject({ token: "env-token-0123456789", tokenSource: "MCP_PROXY_TOKEN" });
    expect(both.notes.join("")).toContain("--token-file");
  });
});
