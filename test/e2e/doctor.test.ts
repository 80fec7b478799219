/**
 * `mcp-proxy doctor` against real parts on 127.0.0.1: a running proxy, a port nothing listens
 * on, ports held by other programs, local targets that listen or refuse; fake `node` and
 * `systemextensionsctl` executables on PATH print what the real ones print. The macOS path is
 * driven through runDoctor's `platform` option, since the tests run on Linux.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Check, DoctorReport } from "../../src/doctor/check.ts";
import { runDoctor } from "../../src/doctor/run.ts";
import { VERSION } from "../../src/version.ts";
import { avastOutput, noNetworkExtensionOutput } from "../fixtures/systemextensionsctl.ts";
import { runMcpProxy, tempHome, type TempHome } from "../helpers/home.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { startTcpTarget } from "../helpers/tcp-target.ts";
import { waitFor } from "../helpers/wait.ts";

/** A config whose one Node server is set up for `port`, and a node on PATH new enough for it. */
function setUpFor(home: TempHome, port: number): string {
  const url = `http://127.0.0.1:${port}`;
  const env = { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: "localhost,127.0.0.1,::1", no_proxy: "localhost,127.0.0.1,::1", NODE_USE_ENV_PROXY: "1" };
  home.fakeCommand("node", 'echo "v22.21.0"');
  return home.writeConfig(JSON.stringify({ mcpServers: { fs: { command: "npx", args: ["-y", "x"], env }, notes: { url: "https://notes.example/mcp" } } }, null, 2));
}

/** A port that was just free: bound on 127.0.0.1:0, then closed. */
function closedPort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

const line = (ran: { stdout: string }, start: string) => ran.stdout.split("\n").find((l) => l.startsWith(start));

describe("mcp-proxy doctor", () => {
  test("passes every check against a running proxy and a set-up config, and exits 0", async () => {
    using home = tempHome();
    await using proxy = await startTestProxy();
    await using target = startTcpTarget();
    const config = setUpFor(home, proxy.port);
    const ran = await runMcpProxy(["doctor", "--config", config, "--port", String(proxy.port), "--target", `127.0.0.1:${target.port}`], home.env());
    expect(ran.stdout).toContain(`✓ proxy: it is mcp-proxy ${VERSION}`);
    expect(ran.stdout).toContain(`✓ proxy: same version as this mcp-proxy (${VERSION})`);
    expect(ran.stdout).toContain("- network extensions: not macOS, so this check does not apply");
    expect(ran.stdout).toContain(`✓ config: fs: proxy variables point at port ${proxy.port}, NODE_USE_ENV_PROXY=1`);
    expect(ran.stdout).toContain("- config: notes: remote server");
    expect(ran.stdout).toContain("✓ node: node 22.21.0 on PATH honours NODE_USE_ENV_PROXY=1");
    expect(line(ran, `✓ reachability: 127.0.0.1:${target.port}: direct ok`)).toEndWith("both work");
    expect(ran.stdout).toContain("Nothing is wrong.");
    expect(ran.code).toBe(0);
    // Doctor changes nothing: it only connected, and the CONNECT reached the target.
    await waitFor(() => target.peers.length === 2, 2000, "the direct connect and the tunnelled one");
  });

  test("a target that refuses connections fails both ways, with a verdict and a fix, and exit 1", async () => {
    using home = tempHome();
    await using proxy = await startTestProxy();
    const config = setUpFor(home, proxy.port);
    const port = closedPort();
    const ran = await runMcpProxy(["doctor", "--config", config, "--port", String(proxy.port), "--target", `127.0.0.1:${port}`], home.env());
    expect(ran.code).toBe(1);
    const verdict = line(ran, `✗ reachability: 127.0.0.1:${port}:`)!;
    expect(verdict).toContain("direct ECONNREFUSED");
    expect(verdict).toContain("through the proxy 502 Bad Gateway");
    expect(verdict).toEndWith("both fail: nothing accepts connections there");
    expect(ran.stdout).toContain("    fix: check the host and port, and that the service is up");
    expect(ran.stdout).toContain("1 problem found");
  });

  test("a stopped proxy: nothing listens, with how to start it; a CONNECT cannot even be tried", async () => {
    using home = tempHome();
    const port = closedPort();
    await using target = startTcpTarget();
    const config = setUpFor(home, port);
    const ran = await runMcpProxy(["doctor", "--config", config, "--port", String(port), "--target", `127.0.0.1:${target.port}`], home.env());
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain(`✗ proxy: nothing listens on 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(ran.stdout).toContain(`    fix: start it from Terminal: mcp-proxy -p ${port} (or double-click start_proxy.command)`);
    expect(ran.stdout).toContain("- proxy: not checked: no mcp-proxy answered");
    expect(line(ran, "✗ reachability:")).toContain("through the proxy no proxy there (ECONNREFUSED): direct works, through the proxy fails");
  });

  test("a web server on the port that is not mcp-proxy is named as such", async () => {
    using home = tempHome();
    using other = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("not here", { status: 404 }) });
    const config = setUpFor(home, other.port!);
    const ran = await runMcpProxy(["doctor", "--config", config, "--port", String(other.port)], home.env());
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain(`✓ proxy: something listens on 127.0.0.1:${other.port}`);
    expect(ran.stdout).toContain(`✗ proxy: the program on 127.0.0.1:${other.port} is not mcp-proxy: GET /healthz answered 404 Not Found`);
    expect(ran.stdout).toContain(`lsof -i :${other.port}`);
  });

  test("a program that answers garbage is not mcp-proxy either", async () => {
    using home = tempHome();
    await using other = startTcpTarget({ onOpen: (peer) => void peer.socket.end("SSH-2.0-OpenSSH_9.6\r\n") });
    const config = setUpFor(home, other.port);
    const ran = await runMcpProxy(["doctor", "--config", config, "--port", String(other.port)], home.env());
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain(`is not mcp-proxy: it does not speak HTTP`);
  });

  test("another mcp-proxy version on the port is a warning with the fix, not a failure", async () => {
    using home = tempHome();
    using old = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ status: "ok", name: "mcp-proxy", version: "0.0.1" }) });
    const config = setUpFor(home, old.port!);
    const ran = await runMcpProxy(["doctor", "--config", config, "--port", String(old.port)], home.env());
    expect(ran.stdout).toContain(`! proxy: the running proxy is 0.0.1, this mcp-proxy is ${VERSION}`);
    expect(ran.stdout).toContain("    fix: stop the running proxy and start it again");
    expect(ran.code).toBe(0);
  });

  test("--json prints one object of the documented shape, and its ok matches the exit code", async () => {
    using home = tempHome();
    const port = closedPort();
    const config = setUpFor(home, 28080);
    const ran = await runMcpProxy(["doctor", "--config", config, "--port", String(port), "--json"], home.env());
    expect(ran.code).toBe(1);
    const report = JSON.parse(ran.stdout) as DoctorReport;
    expect(Object.keys(report)).toEqual(["ok", "version", "proxy", "config", "checks"]);
    expect(report).toMatchObject({ ok: false, version: VERSION, proxy: `http://127.0.0.1:${port}`, config });
    for (const check of report.checks) {
      expect(Object.keys(check).filter((key) => !["id", "group", "status", "message", "fix"].includes(key))).toEqual([]);
      expect(["ok", "fail", "warn", "skip"]).toContain(check.status);
      if (check.status === "fail") expect(check.fix).toBeString();
    }
    const byId = (id: string) => report.checks.find((check: Check) => check.id === id);
    expect(byId("proxy.listening")!.status).toBe("fail");
    expect(byId("config.server:fs")).toMatchObject({ group: "config", status: "fail", fix: `mcp-proxy setup --force --port ${port} (or start the proxy on the port the server uses)` });
    expect(byId("network-extensions")!.status).toBe("skip");
    expect(byId("reachability")!.status).toBe("skip");
  });

  test("an old node on PATH fails the Node check with the fix", async () => {
    using home = tempHome();
    await using proxy = await startTestProxy();
    const config = setUpFor(home, proxy.port);
    home.fakeCommand("node", 'echo "v24.4.1"');
    const ran = await runMcpProxy(["doctor", "--config", config, "--port", String(proxy.port)], home.env());
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain("✗ node: node 24.4.1 on PATH ignores the proxy variables, even with NODE_USE_ENV_PROXY=1");
    expect(ran.stdout).toContain("    fix: install Node.js 22.21 or newer on the 22 line, or 24.5 or newer");
  });

  test("a missing config is a failed check naming the path, and the other checks still run", async () => {
    using home = tempHome();
    await using proxy = await startTestProxy();
    const ran = await runMcpProxy(["doctor", "--port", String(proxy.port)], home.env());
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain(`✗ config: no config file at ${home.configPath}`);
    expect(ran.stdout).toContain("    fix: pass the config's path with --config PATH");
    expect(ran.stdout).toContain(`✓ proxy: it is mcp-proxy`);
  });

  for (const [flags, message] of [
    [["--target", "nohost"], 'invalid --target "nohost"'],
    [["--port", "x"], 'invalid port "x"'],
    [["--bogus"], "unknown flag --bogus (see mcp-proxy doctor --help)"],
  ] as const) {
    test(`doctor ${flags.join(" ")} exits 2`, async () => {
      using home = tempHome();
      const ran = await runMcpProxy(["doctor", ...flags], home.env());
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain(message);
    });
  }
});

describe("doctor's bounds", () => {
  test("a program on the port that accepts and never answers is given up on within the bound", async () => {
    using home = tempHome();
    await using silent = startTcpTarget({ onData: () => {} });
    const started = performance.now();
    const report = await runDoctor({ configPath: home.configPath, port: silent.port, platform: "linux", path: home.bin, version: VERSION, timeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(report.checks.find((check) => check.id === "proxy.identity")!.message).toBe(`the program on 127.0.0.1:${silent.port} is not mcp-proxy: no answer within 0.3 s`);
    expect(report.ok).toBe(false);
  });
});

describe("doctor's network-extension check (macOS, with a fake systemextensionsctl)", () => {
  async function extensions(home: TempHome, script: string | undefined, timeoutMs = 5000): Promise<Check> {
    if (script !== undefined) home.fakeCommand("systemextensionsctl", script);
    const report = await runDoctor({
      configPath: home.configPath,
      port: closedPort(),
      platform: "darwin",
      path: `${home.bin}:${process.env.PATH}`,
      version: VERSION,
      timeoutMs,
    });
    return report.checks.find((check) => check.id === "network-extensions")!;
  }

  function printing(home: TempHome, output: string): string {
    const file = join(home.home, "list.txt");
    writeFileSync(file, output);
    return `[ "$1" = list ] || exit 64\ncat "${file}"`;
  }

  test("names an active network extension as the likely cause", async () => {
    using home = tempHome();
    const check = await extensions(home, printing(home, avastOutput));
    expect(check.status).toBe("warn");
    expect(check.message).toBe("active network extensions: Avast Security (com.avast.av.proxy); the likely cause when servers Claude Desktop starts cannot connect");
  });

  test("says so when no network extension is active", async () => {
    using home = tempHome();
    const check = await extensions(home, printing(home, noNetworkExtensionOutput));
    expect(check).toMatchObject({ status: "ok", message: "no active network extension (systemextensionsctl list)" });
  });

  test("reports a failing systemextensionsctl instead of crashing", async () => {
    using home = tempHome();
    const check = await extensions(home, 'echo "systemextensionsctl: not permitted" >&2\nexit 1');
    expect(check).toMatchObject({ status: "warn", message: "cannot list network extensions: systemextensionsctl exited 1: systemextensionsctl: not permitted" });
  });

  test("reports a missing systemextensionsctl", async () => {
    using home = tempHome();
    const check = await extensions(home, undefined);
    expect(check.message).toBe("cannot list network extensions: systemextensionsctl not found on PATH");
  });

  test("gives up on a systemextensionsctl that hangs, within the bound", async () => {
    using home = tempHome();
    const started = performance.now();
    const check = await extensions(home, "exec sleep 30", 300);
    expect(check.message).toBe("cannot list network extensions: systemextensionsctl did not finish within 0.3 s");
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
