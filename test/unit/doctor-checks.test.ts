import { describe, expect, test } from "bun:test";
import { checkServers } from "../../src/doctor/config-check.ts";
import { activeNetworkExtensions, parseSystemExtensions } from "../../src/doctor/network-extensions.ts";
import { honoursEnvProxy, parseNodeVersion, startsNode } from "../../src/doctor/node-version.ts";
import { identify } from "../../src/doctor/proxy-check.ts";
import { parseTarget, targetsFromServers, verdict } from "../../src/doctor/reachability.ts";
import type { ServerEntry } from "../../src/setup/claude-config.ts";
import { avastOutput, noNetworkExtensionOutput, spacedOutput } from "../fixtures/systemextensionsctl.ts";

describe("parseSystemExtensions", () => {
  test("names the active network extension and ignores ones waiting to uninstall and other categories", () => {
    const active = activeNetworkExtensions(parseSystemExtensions(avastOutput));
    expect(active.map((ext) => [ext.name, ext.bundleId, ext.teamId, ext.version])).toEqual([["Avast Security", "com.avast.av.proxy", "6H4HRTU5E3", "15.7/15.7"]]);
    expect(parseSystemExtensions(avastOutput).map((ext) => ext.category)).toContain("endpoint_security");
  });

  test("finds none when only endpoint-security or terminated extensions are listed", () => {
    expect(parseSystemExtensions(noNetworkExtensionOutput).length).toBeGreaterThan(0);
    expect(activeNetworkExtensions(parseSystemExtensions(noNetworkExtensionOutput))).toEqual([]);
  });

  test("reads output whose tabs became spaces (pasted from a web page)", () => {
    expect(activeNetworkExtensions(parseSystemExtensions(spacedOutput)).map((ext) => ext.name)).toEqual(["ProtonVPN OpenVPN"]);
  });

  test("survives output that is not a listing at all", () => {
    expect(parseSystemExtensions("At this time, this tool cannot be used if System Integrity Protection is enabled.\n")).toEqual([]);
  });
});

describe("node version rule", () => {
  for (const [version, ok] of [
    ["v20.19.0", false],
    ["v22.20.9", false],
    ["v22.21.0", true],
    ["v23.11.0", false],
    ["v24.4.1", false],
    ["v24.5.0", true],
    ["v25.0.0", true],
  ] as const) {
    test(`${version} ${ok ? "honours" : "ignores"} NODE_USE_ENV_PROXY`, () => {
      expect(honoursEnvProxy(parseNodeVersion(version)!)).toBe(ok);
    });
  }

  test("knows node, npx and their paths as Node launchers, and uvx as not", () => {
    expect(["node", "npx", "/usr/local/bin/npx", "C:\\node\\npx.cmd"].every(startsNode)).toBe(true);
    expect(["uvx", "python3", "docker"].some(startsNode)).toBe(false);
  });
});

describe("config check", () => {
  const port = 28080;
  const ok = { HTTP_PROXY: "http://127.0.0.1:28080", HTTPS_PROXY: "http://127.0.0.1:28080", http_proxy: "http://localhost:28080/", https_proxy: "http://127.0.0.1:28080" };
  const local = (env: Record<string, unknown>, command = "uvx"): ServerEntry => ({ name: "s", kind: "local", command, env });

  test("passes a server whose four proxy variables point at this port", () => {
    expect(checkServers([local(ok)], port)[0]!.status).toBe("ok");
  });

  test("fails a server missing the lower-case twins, with setup as the fix", () => {
    const [check] = checkServers([local({ HTTP_PROXY: ok.HTTP_PROXY, HTTPS_PROXY: ok.HTTPS_PROXY })], port);
    expect(check).toMatchObject({ status: "fail", message: "s: http_proxy, https_proxy not set", fix: "mcp-proxy setup" });
  });

  test("fails a server pointing at another port, without printing more of the value than host:port", () => {
    const [check] = checkServers([local({ ...ok, HTTPS_PROXY: "http://user:pw@127.0.0.1:9000" })], port);
    expect(check!.message).toBe("s: HTTPS_PROXY points at 127.0.0.1:9000, not 127.0.0.1:28080");
    expect(check!.fix).toStartWith("mcp-proxy setup --force");
    expect(JSON.stringify(check)).not.toContain("pw");
  });

  test("fails a Node server without NODE_USE_ENV_PROXY=1, and passes it with", () => {
    expect(checkServers([local(ok, "npx")], port)[0]!.message).toContain("NODE_USE_ENV_PROXY=1 is not set");
    expect(checkServers([local({ ...ok, NODE_USE_ENV_PROXY: "1" }, "npx")], port)[0]!.status).toBe("ok");
  });
});

describe("reachability", () => {
  const up = { ok: true, ms: 3, answer: "" };
  const down = (error: string) => ({ ok: false, ms: 3, error, answer: "" });

  test("gives the verdict a user needs for each pair of results", () => {
    expect(verdict(up, up, true).text).toBe("both work");
    expect(verdict(down("EHOSTUNREACH"), up, true)).toMatchObject({ status: "ok", text: expect.stringContaining("direct blocked, through the proxy works") });
    expect(verdict(down("EHOSTUNREACH"), down("502 Bad Gateway"), true)).toMatchObject({ status: "fail", text: "both fail: the proxy itself is blocked" });
    expect(verdict(down("timed out after 5 s"), down("502"), true).text).toBe("both fail: the proxy itself is blocked");
    expect(verdict(down("ECONNREFUSED"), down("502"), true).text).toBe("both fail: nothing accepts connections there");
    expect(verdict(up, down("proxy ECONNREFUSED"), false)).toMatchObject({ status: "fail", fix: expect.stringContaining("start mcp-proxy") });
  });

  test("parses --target host:port and [v6]:port, and refuses anything else", () => {
    expect(parseTarget("intranet.example:443")).toEqual({ host: "intranet.example", port: 443 });
    expect(parseTarget("[::1]:8080")).toEqual({ host: "::1", port: 8080 });
    for (const bad of ["intranet.example", "host:0", "host:99999", "http://x:1", ":80"]) expect(() => parseTarget(bad)).toThrow("invalid --target");
  });

  test("takes targets from URL-looking env values, never from the proxy variables or loopback", () => {
    const servers: ServerEntry[] = [
      { name: "j", kind: "local", command: "uvx", env: { JIRA_URL: "https://jira.corp.example/", HTTPS_PROXY: "http://corp-proxy:8080", TOKEN: "abc", LOCAL: "http://localhost:3000" } },
      { name: "w", kind: "local", command: "uvx", env: { WIKI: "http://wiki.corp.example:8090/x?token=secret" } },
      { name: "r", kind: "remote", env: { X: "https://remote.example" } },
    ];
    expect(targetsFromServers(servers)).toEqual([
      { host: "jira.corp.example", port: 443 },
      { host: "wiki.corp.example", port: 8090 },
    ]);
  });
});

describe("identify", () => {
  test("tells mcp-proxy from another program on the port", () => {
    const body = '{"status":"ok","name":"mcp-proxy","version":"0.1.0"}';
    expect(identify(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`)).toEqual({ name: "mcp-proxy", version: "0.1.0" });
    expect(identify("HTTP/1.1 404 Not Found\r\n\r\n").problem).toBe("GET /healthz answered 404 Not Found");
    expect(identify('HTTP/1.1 200 OK\r\n\r\n{"status":"ok"}').problem).toBe("GET /healthz does not name mcp-proxy");
    expect(identify("SSH-2.0-OpenSSH_9.6\r\n").problem).toBe("it does not speak HTTP");
  });
});
