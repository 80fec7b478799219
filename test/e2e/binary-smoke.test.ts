/**
 * The shipped artifact, not the source: builds the host's binary with the release build's own
 * compile() (same flags) into a temp dir once, then runs real clients against it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import pkg from "../../package.json" with { type: "json" };
import { compile, hostTarget } from "../../scripts/build.ts";
import { realConfig } from "../fixtures/claude-configs.ts";
import { runCli, type CliProcess } from "../helpers/cli.ts";
import { tempHome } from "../helpers/home.ts";
import { descendants, processGone } from "../helpers/mcp-children.ts";
import { everythingServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { startTcpTarget } from "../helpers/tcp-target.ts";
import { startTlsOrigin } from "../helpers/tls-origin.ts";
import { waitFor, within } from "../helpers/wait.ts";

const target = hostTarget();
if (!target) console.warn(`binary smoke tests skipped: no release target for ${process.platform}-${process.arch}`);

/** Whether the source has a /mcp route yet: the in-process proxy answers anything but 404. */
async function probeMcpRoute(): Promise<boolean> {
  await using proxy = await startTestProxy();
  const response = await fetch(`${proxy.url}/mcp`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  await response.body?.cancel();
  return response.status !== 404;
}
const hasMcpRoute = await probeMcpRoute();

let dir = "";
let binary = "";

beforeAll(async () => {
  if (!target) return;
  dir = mkdtempSync(join(tmpdir(), "mcp-proxy-bin-"));
  binary = join(dir, `mcp-proxy-${target}`);
  await compile(target, binary);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The binary on an ephemeral port, with its port read from the banner. */
async function startBinary(args: string[] = []): Promise<{ cli: CliProcess; url: string }> {
  const cli = runCli(["-p", "0", ...args], {}, binary);
  return { cli, url: `http://127.0.0.1:${await cli.port()}` };
}

/** Stops the binary with SIGTERM (so it stops its MCP children), then checks they are gone. */
async function stopAndCheckChildren(cli: CliProcess, children: number[]): Promise<void> {
  cli.proc.kill("SIGTERM");
  expect(await within(cli.exited, 10_000, "exit after SIGTERM")).toBe(0);
  await waitFor(() => children.every(processGone), 5000, `children ${children.join(", ")} to be gone`);
}

async function connectSdk(transport: Transport): Promise<Client> {
  const client = new Client({ name: "binary-smoke", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

describe.skipIf(!target)(`the compiled binary (${target})`, () => {
  test("--version prints package.json's version", async () => {
    await using cli = runCli(["--version"], {}, binary);
    expect(await within(cli.exited, 5000, "exit")).toBe(0);
    expect(cli.stdout().trim()).toBe(pkg.version);
  });

  test("carries the setup and doctor subcommands (loaded lazily, so the bundle must include them)", async () => {
    using home = tempHome();
    const config = home.writeConfig(realConfig());
    await using setup = runCli(["setup", "--config", config], home.env(), binary);
    expect(await within(setup.exited, 10_000, "setup")).toBe(0);
    expect(setup.stdout()).toContain("3 servers set up");
    expect(JSON.parse(home.read()).mcpServers.filesystem.env.HTTP_PROXY).toBe("http://127.0.0.1:28080");
    const { cli, url } = await startBinary();
    await using _ = cli;
    const port = url.split(":").at(-1)!;
    // --target keeps doctor on loopback: without it, it would test the config's jira.corp.example.
    await using doctor = runCli(["doctor", "--config", config, "--port", port, "--target", `127.0.0.1:${port}`, "--json"], home.env(), binary);
    await within(doctor.exited, 15_000, "doctor");
    const report = JSON.parse(doctor.stdout());
    expect(report.checks.find((check: { id: string }) => check.id === "proxy.version")).toMatchObject({ status: "ok" });
  });

  test("tunnels curl's CONNECT to an HTTPS origin", async () => {
    await using origin = await startTlsOrigin("hello from the binary");
    const { cli, url } = await startBinary();
    await using _ = cli;
    const curl = Bun.spawn(["curl", "-sS", "--max-time", "10", "--cacert", origin.caFile, "-x", url, origin.url], {
      env: { ...process.env, NO_PROXY: undefined, no_proxy: undefined },
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const [out, err, code] = await within(
        Promise.all([new Response(curl.stdout).text(), new Response(curl.stderr).text(), curl.exited]),
        15_000,
        "curl",
      );
      expect({ code, err, out }).toEqual({ code: 0, err: "", out: "hello from the binary" });
    } finally {
      curl.kill("SIGKILL");
    }
  });

  test("bridges an SDK SSE session to server-everything and stops the child on SIGTERM", async () => {
    const { cli, url } = await startBinary(["--sse", ...everythingServer]);
    await using _ = cli;
    const client = await connectSdk(new SSEClientTransport(new URL(`${url}/sse`)));
    const children = descendants(cli.proc.pid);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("echo");
      const echoed = await client.callTool({ name: "echo", arguments: { message: "from the binary" } });
      expect(echoed.content).toEqual([{ type: "text", text: "Echo: from the binary" }]);
    } finally {
      await client.close();
    }
    expect(children.length).toBeGreaterThan(0);
    await stopAndCheckChildren(cli, children);
  }, 20_000);

  test.skipIf(!hasMcpRoute)("answers initialize on /mcp (Streamable HTTP) with server-everything behind it", async () => {
    const { cli, url } = await startBinary(["--sse", ...everythingServer]);
    await using _ = cli;
    const client = await connectSdk(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    const children = descendants(cli.proc.pid);
    try {
      expect(client.getServerVersion()?.name).toBeString();
      expect(await client.ping()).toEqual({});
    } finally {
      await client.close();
    }
    await stopAndCheckChildren(cli, children);
  }, 20_000);

  test("exits 1 saying the port is already in use", async () => {
    await using holder = startTcpTarget();
    await using cli = runCli(["-p", String(holder.port)], {}, binary);
    expect(await within(cli.exited, 5000, "exit")).toBe(1);
    expect(cli.stderr()).toContain(`port ${holder.port} is already in use`);
  });
});
