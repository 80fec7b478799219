/**
 * start_proxy.command, the macOS launcher, run on Linux: lint it with shellcheck, then run it
 * from a temp copy of a source checkout (node_modules and src linked in, HOME a temp dir, PATH
 * without any mcp-proxy) so it takes the `node_modules/.bin/bun src/cli.ts` fallback.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { echoServer } from "../helpers/mcp-servers.ts";
import { pidGone, waitFor, within } from "../helpers/wait.ts";

const root = join(import.meta.dir, "..", "..");
const script = join(root, "start_proxy.command");
const shellcheck = Bun.which("shellcheck");
if (!shellcheck) console.warn("start_proxy.command lint skipped: shellcheck is not on PATH (apt-get install shellcheck; .ci/run installs it)");

describe("start_proxy.command", () => {
  test.skipIf(!shellcheck)("is shellcheck clean", () => {
    const result = Bun.spawnSync([shellcheck!, script]);
    expect(result.stdout.toString() + result.stderr.toString()).toBe("");
    expect(result.exitCode).toBe(0);
  });
});

/** A port that was free a moment ago: bind 0, read the port, close. */
function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

interface Launch {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  output(): string;
  exited: Promise<number>;
}

describe.skipIf(process.platform === "win32" || !Bun.which("ps"))("start_proxy.command run on Linux", () => {
  let dir = "";
  let app = "";
  let home = "";
  const started: Launch[] = [];
  const strangers: Subprocess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mcp-proxy-launcher-"));
    app = join(dir, "app");
    home = join(dir, "home");
    mkdirSync(app);
    mkdirSync(home);
    copyFileSync(script, join(app, "start_proxy.command"));
    symlinkSync(join(root, "node_modules"), join(app, "node_modules"));
    symlinkSync(join(root, "src"), join(app, "src"));
  });

  afterAll(async () => {
    // SIGTERM first, so an instance stops its MCP children; then SIGKILL whatever remains.
    for (const launch of started) launch.proc.kill("SIGTERM");
    await Promise.all(started.map((launch) => within(launch.exited, 10_000, "launcher exit").catch(() => launch.proc.kill("SIGKILL"))));
    for (const stranger of strangers) stranger.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const stateDir = () => join(home, ".local", "state", "mcp-proxy");
  const pidFile = () => readFileSync(join(stateDir(), "mcp-proxy.pid"), "utf8").split("\n");
  const log = () => (existsSync(join(stateDir(), "mcp-proxy.log")) ? readFileSync(join(stateDir(), "mcp-proxy.log"), "utf8") : "");
  const listeningLines = () => log().split("\n").filter((line) => line.includes("listening on")).length;

  function launch(env: Record<string, string> = {}): Launch {
    const proc = Bun.spawn(["bash", join(app, "start_proxy.command")], {
      // No mcp-proxy on this PATH, and no user settings leaking in from the machine.
      env: { HOME: home, PATH: "/usr/local/bin:/usr/bin:/bin", ...env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    let text = "";
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) text += new TextDecoder().decode(chunk);
    };
    const drained = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
    const result: Launch = { proc, output: () => text, exited: proc.exited.then(async (code) => (await drained, code)) };
    started.push(result);
    return result;
  }

  test("starts mcp-proxy with its pid file and log, and a second start replaces the first by pid", async () => {
    const port = freePort();
    const first = launch({ MCP_PROXY_PORT: String(port) });
    await waitFor(() => listeningLines() === 1, 10_000, "the first instance's banner in the log");
    // exec keeps the script's pid: the pid file names mcp-proxy itself.
    expect(pidFile()[0]).toBe(String(first.proc.pid));
    expect(pidFile()[1]).toBe(`${join(app, "node_modules", ".bin", "bun")} ${join(app, "src", "cli.ts")} -p ${port}`);
    expect(log()).toContain(`127.0.0.1:${port}`);

    // The SSE command comes from start_proxy.env this time; the port still from the environment.
    writeFileSync(join(app, "start_proxy.env"), `# test settings\nMCP_PROXY_PORT=1\nMCP_PROXY_SSE="${echoServer().join(" ")}"\n`);
    try {
      const second = launch({ MCP_PROXY_PORT: String(port) });
      await waitFor(() => second.output().includes(`Stopping the previous mcp-proxy (pid ${first.proc.pid})`), 10_000, "the stop line");
      expect(await within(first.exited, 10_000, "the first instance to exit")).toBe(0);
      await waitFor(() => listeningLines() === 2, 10_000, "the second instance's banner in the log");
      expect(pidFile()[0]).toBe(String(second.proc.pid));
      expect(pidFile()[1]).toEndWith(`-p ${port} --sse ${echoServer().join(" ")}`);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      rmSync(join(app, "start_proxy.env"), { force: true });
    }
  }, 30_000);

  test("leaves alone a pid from its pid file that now runs something else", async () => {
    const stranger = Bun.spawn(["sleep", "60"]);
    strangers.push(stranger);
    const running = started.at(-1)!;
    writeFileSync(join(stateDir(), "mcp-proxy.pid"), `${stranger.pid}\n/usr/bin/sleep 61\n`);
    const port = freePort();
    const third = launch({ MCP_PROXY_PORT: String(port) });
    await waitFor(() => listeningLines() === 3, 10_000, "the third instance's banner");
    expect(third.output()).not.toContain("Stopping");
    expect(pidGone(stranger.pid)).toBe(false);
    expect(pidGone(running.proc.pid)).toBe(false);
  }, 20_000);

  test("refuses a port that is not a number", async () => {
    const bad = launch({ MCP_PROXY_PORT: "http" });
    expect(await within(bad.exited, 5000, "exit")).toBe(2);
    expect(bad.output()).toContain('MCP_PROXY_PORT must be a number, got "http"');
  });
});
