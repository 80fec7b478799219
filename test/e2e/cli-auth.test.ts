/**
 * The command line's side of access control: the refusal to start an open proxy, the token
 * file made on first start and named (never printed) in the banner, `mcp-proxy token`, and
 * the --auth off warning. Each run gets its own XDG_CONFIG_HOME, never the real ~/.config.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { proxyEnv, runClient } from "../helpers/run-client.ts";
import { startHttpOrigin, okResponse } from "../helpers/http-origin.ts";
import { waitFor, within } from "../helpers/wait.ts";

let dir: string;
let env: Record<string, string | undefined>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mcp-proxy-cli-auth-"));
  env = { XDG_CONFIG_HOME: dir, MCP_PROXY_TOKEN: undefined };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("command line: access control", () => {
  test("refuses to start an open proxy (non-loopback --host, --auth off, no --allow-client) with exit 2 and the reason", async () => {
    await using cli = runCli(["-p", "0", "--host", "0.0.0.0", "--auth", "off"], env);
    expect(await within(cli.exited, 5000, "exit")).toBe(2);
    expect(cli.stderr()).toContain("refusing to start an open proxy");
    expect(cli.stderr()).toContain("--open-proxy");
  });

  test("an unknown --auth is exit 2 before any token file is made", async () => {
    await using cli = runCli(["-p", "0", "--auth", "sometimes", "--host", "0.0.0.0"], env);
    expect(await within(cli.exited, 5000, "exit")).toBe(2);
    expect(cli.stderr()).toContain('invalid --auth "sometimes"');
    expect(() => statSync(join(dir, "mcp-proxy"))).toThrow();
  });

  test("--auth always makes the token file on first start, names its path in the banner, never its value", async () => {
    await using cli = runCli(["-p", "0", "--auth", "always"], env);
    const port = await cli.port();
    const path = join(dir, "mcp-proxy", "token");
    await waitFor(() => cli.stderr().includes("Auth: every client must send the token"), 5000, "the auth banner line");
    const token = readFileSync(path, "utf8").trim();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(cli.stderr()).toContain(`token: ${path}`);
    expect(cli.stderr()).not.toContain(token);
    await using origin = startHttpOrigin({ respond: () => okResponse("ok") });
    const proxyUrl = `http://127.0.0.1:${port}`;
    expect((await runClient(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-x", proxyUrl, `http://${origin.authority}/`], proxyEnv(proxyUrl))).out).toBe("407");
    const withToken = `http://me:${token}@127.0.0.1:${port}`;
    expect((await runClient(["curl", "-sS", "-x", withToken, `http://${origin.authority}/`], proxyEnv(withToken))).out).toBe("ok");
  });

  test("mcp-proxy token prints the token the proxy uses: creates it once (saying so on stderr), then prints the same", async () => {
    await using first = runCli(["token"], env);
    expect(await within(first.exited, 5000, "exit")).toBe(0);
    const token = first.stdout().trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.stderr()).toContain(`Created a new token in ${join(dir, "mcp-proxy", "token")}`);
    await using second = runCli(["token"], env);
    expect(await within(second.exited, 5000, "exit")).toBe(0);
    expect(second.stdout()).toBe(`${token}\n`);
    expect(second.stderr()).toBe("");
    await using fromEnv = runCli(["token"], { ...env, MCP_PROXY_TOKEN: "the-env-token-0123456789" });
    expect(await within(fromEnv.exited, 5000, "exit")).toBe(0);
    expect(fromEnv.stdout()).toBe("the-env-token-0123456789\n");
  });

  test("with the defaults on loopback, no token file is read or made and the banner is as before", async () => {
    await using cli = runCli(["-p", "0"], env);
    await cli.port();
    expect(cli.stderr()).not.toContain("Auth:");
    expect(cli.stderr()).not.toContain("WARNING");
    expect(() => statSync(join(dir, "mcp-proxy"))).toThrow();
  });

  test("--auth off warns that anyone who can reach the port can use the proxy and run the bridged servers", async () => {
    await using cli = runCli(["-p", "0", "--auth", "off"], env);
    await cli.port();
    await waitFor(() => cli.stderr().includes("WARNING"), 5000, "the warning");
    expect(cli.stderr()).toContain("anyone who can reach port");
    expect(cli.stderr()).toContain("run the bridged MCP servers");
  });
});
