import { describe, expect, test } from "bun:test";
import { args } from "../../src/cli-args.ts";
import { SETUP_KEYS, wantedValue } from "../../src/setup/proxy-env.ts";
import pkg from "../../package.json" with { type: "json" };
import { runCli } from "../helpers/cli.ts";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { openSse } from "../helpers/sse-client.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { startTcpTarget } from "../helpers/tcp-target.ts";
import { waitFor, within } from "../helpers/wait.ts";

describe("command line", () => {
  test("prints a banner with the address and the env lines to paste", async () => {
    await using cli = runCli(["-p", "0"]);
    const port = await cli.port();
    const url = `http://127.0.0.1:${port}`;
    expect(cli.stderr()).toContain(`"HTTP_PROXY": "${url}"`);
    expect(cli.stderr()).toContain(`"HTTPS_PROXY": "${url}"`);
    expect(cli.stdout()).toBe("");
  });

  test("the banner names mcp-proxy setup and prints the same seven env keys setup writes", async () => {
    await using cli = runCli(["-p", "0"]);
    const port = await cli.port();
    const url = `http://127.0.0.1:${port}`;
    await waitFor(() => cli.stderr().includes("NODE_USE_ENV_PROXY"), 5000, "the env lines");
    expect(cli.stderr()).toContain(`run "mcp-proxy setup --proxy ${url}"`);
    for (const key of SETUP_KEYS) expect(cli.stderr()).toContain(`"${key}": "${wantedValue(key, {}, url)}"`);
  });

  test("shows the SSE URL in the banner when --sse is given, and leaves the child's flags alone", async () => {
    await using cli = runCli(["-p", "0", "--sse", "node", "--some-child-flag", "-p", "1"]);
    const port = await cli.port();
    expect(cli.stderr()).toContain(`http://127.0.0.1:${port}/sse`);
    expect(cli.stderr()).toContain("node --some-child-flag -p 1");
  });

  for (const [flags, message] of [
    [["-p", "abc"], 'invalid port "abc"'],
    [["--port", "70000"], "invalid port 70000"],
    [["--connect-timeout", "soon"], "invalid --connect-timeout"],
    [["--busy-poll", "20000"], "invalid --busy-poll"],
    [["--bogus"], "unknown flag --bogus"],
    [["--sse"], "--sse needs a command"],
  ] as const) {
    test(`rejects ${flags.join(" ")} with a one-line error and exit 2`, async () => {
      await using cli = runCli([...flags]);
      expect(await within(cli.exited, 5000, "exit")).toBe(2);
      expect(cli.stderr()).toBe(`Error: ${cli.stderr().slice(7)}`);
      expect(cli.stderr()).toContain(message);
      expect(cli.stderr().trimEnd().split("\n")).toHaveLength(1);
    });
  }

  test("exits 1 within 1 s when the port is in use, naming lsof", async () => {
    await using holder = startTcpTarget();
    const started = performance.now();
    await using cli = runCli(["-p", String(holder.port)]);
    expect(await within(cli.exited, 3000, "exit")).toBe(1);
    // Measured from spawn: Bun's own start-up is part of it.
    expect(performance.now() - started).toBeLessThan(1000 + 1000);
    expect(cli.stderr()).toContain(`Error: port ${holder.port} is already in use`);
    expect(cli.stderr()).toContain(`lsof -i :${holder.port}`);
  });

  test("explains a bind to an address this machine does not have", async () => {
    await using cli = runCli(["-p", "0", "--host", "192.0.2.1"]);
    expect(await within(cli.exited, 5000, "exit")).toBe(1);
    expect(cli.stderr()).toContain("Error: cannot listen on 192.0.2.1");
  });

  test("prints the version from package.json", async () => {
    await using cli = runCli(["--version"]);
    expect(await within(cli.exited, 5000, "exit")).toBe(0);
    expect(cli.stdout().trim()).toBe(pkg.version);
  });

  test("--help lists every flag and shows examples", async () => {
    await using cli = runCli(["--help"]);
    expect(await within(cli.exited, 5000, "exit")).toBe(0);
    for (const name of Object.keys(args)) expect(cli.stdout()).toContain(`--${name}`);
    expect(cli.stdout()).toContain("EXAMPLES");
    // Piped, not a terminal: plain text, no colour escapes.
    expect(cli.stdout()).not.toContain("\u001B[");
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal} closes open tunnels and exits 0 within 2 s`, async () => {
      await using target = startTcpTarget();
      await using cli = runCli(["-p", "0"]);
      const port = await cli.port();
      const client = await rawConnect(port);
      client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\n\r\nhi`);
      await client.readUntil("hi");
      cli.proc.kill(signal);
      expect(await within(cli.exited, 2000, "exit after signal")).toBe(0);
      await within(client.ended, 1000, "tunnel closed");
    });
  }

  // Closing the Terminal window that runs mcp-proxy (start_proxy.command) sends SIGHUP. The
  // MCP children live in process groups of their own, so nothing else would stop them.
  for (const signal of ["SIGHUP", "SIGTERM", "SIGINT"] as const) {
    test(`${signal} stops every MCP child and exits 0`, async () => {
      // --stay: a child that outlives its stdin, as MCP servers with timers do.
      await using cli = runCli(["-p", "0", "--sse", ...echoServer("--stay")]);
      const url = `http://127.0.0.1:${await cli.port()}`;
      await using sse = await openSse(url);
      const pid = await waitFor(() => sessionPids(cli.stderr().split("\n"))[0], 5000, "the child's pid in the log");
      cli.proc.kill(signal);
      expect(await within(cli.exited, 10_000, `exit after ${signal}`)).toBe(0);
      expect(cli.stderr()).toContain(`${signal}: shutting down`);
      await waitFor(() => processGone(pid), 5000, `child ${pid} to be gone`);
      await within(sse.ended, 1000, "the SSE stream to end");
    });
  }
});
