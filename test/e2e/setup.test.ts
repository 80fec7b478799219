/**
 * `mcp-proxy setup` run as users run it: the real CLI in a child process, a temporary HOME, real
 * files. A user's file is data: these tests hold setup to byte-identical dry runs and no-op
 * second runs, exact undo, kept permissions, no partial writes, and secrets never printed.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { realConfig, SECRETS } from "../fixtures/claude-configs.ts";
import { runMcpProxy, tempHome, type Ran } from "../helpers/home.ts";

const URL8 = "http://127.0.0.1:28080";
const servers = (text: string) => JSON.parse(text).mcpServers;
const backups = (files: string[]) => files.filter((name) => name.includes(".backup-"));

function expectNoSecrets(ran: Ran): void {
  for (const secret of SECRETS) expect(ran.stdout + ran.stderr).not.toContain(secret);
}

describe("mcp-proxy setup", () => {
  test("sets up every local server of a real-shaped config, skips remote and disabled ones, and prints no secret", async () => {
    using home = tempHome();
    const path = home.writeConfig(realConfig(), 0o640);
    const ran = await runMcpProxy(["setup", "--config", path], home.env());
    expect(ran.code).toBe(0);
    expectNoSecrets(ran);
    const after = servers(home.read());
    expect(after.filesystem.env).toEqual({
      HTTP_PROXY: URL8,
      HTTPS_PROXY: URL8,
      http_proxy: URL8,
      https_proxy: URL8,
      NO_PROXY: "localhost,127.0.0.1,::1",
      no_proxy: "localhost,127.0.0.1,::1",
      NODE_USE_ENV_PROXY: "1",
    });
    expect(after.github.env.NO_PROXY).toBe("corp.example,.internal,localhost,127.0.0.1,::1");
    expect(after.github.env.no_proxy).toBe("corp.example,.internal,localhost,127.0.0.1,::1");
    expect(after.github.env.GITHUB_PERSONAL_ACCESS_TOKEN).toBe(SECRETS[0]);
    // A proxy value of the user's own is left alone and reported, not overwritten.
    expect(after.jira.env.HTTPS_PROXY).toBe("http://corp-proxy.example:8080");
    expect(after.jira.env.https_proxy).toBe(URL8);
    expect(ran.stdout).toContain("! HTTPS_PROXY holds another value: left alone (--force replaces it)");
    expect(after.notes).toEqual({ type: "http", url: "https://notes.example.com/mcp" });
    expect(after["old-server"].env).toBeUndefined();
    expect(ran.stdout).toContain("3 servers set up, 1 skipped (remote), 1 skipped (disabled), 1 server with proxy values left alone (--force replaces them)");
    expect(ran.stdout).toContain("Quit Claude Desktop");
    expect(JSON.parse(home.read()).globalShortcut).toBe("Alt+Space");
    // Unchanged lines stay as they were: the one-line args array is not re-flowed.
    expect(home.read()).toContain('"args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Documents"],\n');
    // The backup is named in the output and holds the original; the file keeps its mode.
    const [backup] = backups(home.files());
    expect(ran.stdout).toContain(`Backup of the original: ${join(home.home, ".config", "Claude", backup!)}`);
    expect(home.read(join(home.home, ".config", "Claude", backup!))).toBe(realConfig());
    expect(home.mode()).toBe(0o640);
    expect(home.mode(`${path}.mcp-proxy-setup.json`)).toBe(0o600);
    expect(home.read(`${path}.mcp-proxy-setup.json`)).not.toContain(SECRETS[0]!);
    expect(home.files().filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  for (const [name, unit, eol] of [
    ["tab indentation", "\t", "\n"],
    ["4-space indentation and CRLF line ends", "    ", "\r\n"],
    ["tabs and CRLF", "\t", "\r\n"],
  ] as const) {
    test(`writes new lines in the file's own ${name}, and undo gives back the same bytes`, async () => {
      using home = tempHome();
      const original = realConfig(unit, eol, false);
      const path = home.writeConfig(original);
      expect((await runMcpProxy(["setup", "--config", path], home.env())).code).toBe(0);
      const edited = home.read();
      expect(edited).toContain(`,${eol}${unit.repeat(3)}"env": {${eol}${unit.repeat(4)}"HTTP_PROXY": "${URL8}",${eol}`);
      if (eol === "\r\n") expect(edited.replaceAll("\r\n", "")).not.toContain("\n");
      expect(edited.endsWith("}")).toBe(true);
      const undo = await runMcpProxy(["setup", "--config", path, "--undo"], home.env());
      expect(undo.code).toBe(0);
      expect(home.read()).toBe(original);
    });
  }

  test("--dry-run shows the changes and leaves the file byte-identical, with no backup and no record", async () => {
    using home = tempHome();
    const path = home.writeConfig(realConfig());
    const before = home.files();
    const ran = await runMcpProxy(["setup", "--config", path, "--dry-run"], home.env());
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("Dry run, nothing written");
    expect(ran.stdout).toContain(`+ HTTP_PROXY=${URL8}`);
    expect(home.read()).toBe(realConfig());
    expect(home.files()).toEqual(before);
  });

  test("a second run changes nothing, writes no second backup, and says so", async () => {
    using home = tempHome();
    const path = home.writeConfig(realConfig());
    await runMcpProxy(["setup", "--config", path], home.env());
    const once = home.read();
    const files = home.files();
    const again = await runMcpProxy(["setup", "--config", path], home.env());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Nothing to change: the file was not touched.");
    expect(again.stdout).toContain("2 already set up");
    expect(home.read()).toBe(once);
    expect(home.files()).toEqual(files);
  });

  test("--force replaces the user's proxy value and --undo restores it: JSON-equal to the original", async () => {
    using home = tempHome();
    const path = home.writeConfig(realConfig());
    const forced = await runMcpProxy(["setup", "--config", path, "--force", "--port", "9000"], home.env());
    expect(forced.code).toBe(0);
    expectNoSecrets(forced);
    expect(servers(home.read()).jira.env.HTTPS_PROXY).toBe("http://127.0.0.1:9000");
    // The replaced value may hold a password: it is named, not printed.
    expect(forced.stdout).not.toContain("corp-proxy.example");
    const undo = await runMcpProxy(["setup", "--config", path, "--undo"], home.env());
    expect(undo.code).toBe(0);
    expectNoSecrets(undo);
    expect(JSON.parse(home.read())).toEqual(JSON.parse(realConfig()));
    expect(existsSync(`${path}.mcp-proxy-setup.json`)).toBe(false);
  });

  test("--undo keeps a value the user edited since setup and says so", async () => {
    using home = tempHome();
    const path = home.writeConfig(realConfig());
    await runMcpProxy(["setup", "--config", path], home.env());
    writeFileSync(path, home.read().replace(`"NODE_USE_ENV_PROXY": "1"`, `"NODE_USE_ENV_PROXY": "0"`));
    const undo = await runMcpProxy(["setup", "--config", path, "--undo"], home.env());
    expect(undo.code).toBe(0);
    expect(undo.stdout).toContain("! NODE_USE_ENV_PROXY was edited since setup: kept");
    const after = servers(home.read());
    expect(after.filesystem.env).toEqual({ NODE_USE_ENV_PROXY: "0" });
    expect(after.github.env).toEqual(JSON.parse(realConfig()).mcpServers.github.env);
  });

  test("--only and --except choose servers; a name not in the file is an error, not a silent no-op", async () => {
    using home = tempHome();
    const path = home.writeConfig(realConfig());
    expect((await runMcpProxy(["setup", "--config", path, "--only", "github"], home.env())).code).toBe(0);
    expect(servers(home.read()).github.env.HTTP_PROXY).toBe(URL8);
    expect(servers(home.read()).filesystem.env).toBeUndefined();
    expect((await runMcpProxy(["setup", "--config", path, "--except", "jira,github"], home.env())).code).toBe(0);
    expect(servers(home.read()).filesystem.env.HTTP_PROXY).toBe(URL8);
    expect(servers(home.read()).jira.env.HTTP_PROXY).toBeUndefined();
    const typo = await runMcpProxy(["setup", "--config", path, "--only", "gihtub"], home.env());
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no server named "gihtub"');
  });

  test("invalid JSON: exit 1 with PATH:LINE:COLUMN, the file untouched, nothing beside it", async () => {
    using home = tempHome();
    const broken = realConfig().replace('"args": ["mcp-atlassian"],', '"args": ["mcp-atlassian"],,');
    const path = home.writeConfig(broken);
    const before = home.files();
    const ran = await runMcpProxy(["setup", "--config", path], home.env());
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(`Error: ${path}:18:39: invalid JSON: expected a property name in double quotes (a trailing comma?)\n`);
    expect(home.read()).toBe(broken);
    expect(home.files()).toEqual(before);
  });

  test("a file that is JSON but not Claude Desktop's shape gets the same kind of message", async () => {
    using home = tempHome();
    const path = home.writeConfig('{\n  "mcpServers": {\n    "a": ["npx"]\n  }\n}\n');
    const ran = await runMcpProxy(["setup", "--config", path], home.env());
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(`Error: ${path}:3:10: mcpServers.a must be an object, found an array\n`);
  });

  test("a missing file is an error naming the path, and the default path honours XDG_CONFIG_HOME", async () => {
    using home = tempHome();
    const xdg = join(home.home, "xdg");
    const missing = await runMcpProxy(["setup"], home.env({ XDG_CONFIG_HOME: xdg }));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no config file at ${xdg}/Claude/claude_desktop_config.json`);
    mkdirSync(join(xdg, "Claude"), { recursive: true });
    writeFileSync(join(xdg, "Claude", "claude_desktop_config.json"), realConfig());
    expect((await runMcpProxy(["setup"], home.env({ XDG_CONFIG_HOME: xdg }))).code).toBe(0);
    expect(servers(home.read(join(xdg, "Claude", "claude_desktop_config.json"))).filesystem.env.HTTP_PROXY).toBe(URL8);
  });

  test("a symlinked config is edited where it points, and the link stays a link", async () => {
    using home = tempHome();
    const real = join(home.home, "dotfiles.json");
    writeFileSync(real, realConfig());
    mkdirSync(join(home.home, ".config", "Claude"), { recursive: true });
    symlinkSync(real, home.configPath);
    expect((await runMcpProxy(["setup"], home.env())).code).toBe(0);
    expect(lstatSync(home.configPath).isSymbolicLink()).toBe(true);
    expect(servers(home.read(real)).filesystem.env.HTTP_PROXY).toBe(URL8);
  });

  test("a read-only file is refused with a clear error, even for root, and nothing is written", async () => {
    using home = tempHome();
    const path = home.writeConfig(realConfig(), 0o444);
    const before = home.files();
    const ran = await runMcpProxy(["setup", "--config", path], home.env());
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(`${path} is read-only (mode 0444)`);
    expect(home.read()).toBe(realConfig());
    expect(home.files()).toEqual(before);
  });

  // Tests run as root, and root writes into any folder whatever its mode. So the CLI runs as
  // `nobody` (setpriv, util-linux), for whom the config's folder is really read-only: the
  // backup's creation fails, which is the first write, and must leave nothing behind.
  const setpriv = Bun.which("setpriv");
  const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
  test.skipIf(!setpriv || process.getuid?.() !== 0)("a folder the user cannot write gives a clear error and no partial write", async () => {
    using home = tempHome();
    const path = home.writeConfig(realConfig(), 0o666);
    chmodSync(home.home, 0o755);
    chmodSync(join(home.home, ".config"), 0o755);
    chmodSync(join(home.home, ".config", "Claude"), 0o755);
    const before = home.files();
    const ran = await runMcpProxy(["setup", "--config", path], home.env(), asNobody);
    expect(ran.stderr).toBe(`Error: cannot write in ${join(home.home, ".config", "Claude")}: permission denied (setup writes a backup and a temporary file beside the config)\n`);
    expect(ran.code).toBe(1);
    expect(home.read()).toBe(realConfig());
    expect(home.files()).toEqual(before);
  });

  test("--undo with no record of a setup is an error", async () => {
    using home = tempHome();
    const path = home.writeConfig(realConfig());
    const ran = await runMcpProxy(["setup", "--config", path, "--undo"], home.env());
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("nothing to undo");
  });

  for (const [flags, message] of [
    [["--bogus"], "unknown flag --bogus (see mcp-proxy setup --help)"],
    [["--port", "abc"], 'invalid port "abc"'],
    [["--port", "0"], "--port 0 names no port"],
    [["--proxy", "https://x:1"], "invalid --proxy"],
    [["--undo", "--force"], "--force does not apply"],
    [["stray"], 'unexpected argument "stray"'],
  ] as const) {
    test(`setup ${flags.join(" ")} exits 2 with a one-line error`, async () => {
      using home = tempHome();
      const path = home.writeConfig(realConfig());
      const ran = await runMcpProxy(["setup", "--config", path, ...flags], home.env());
      expect(ran.code).toBe(2);
      expect(ran.stderr).toStartWith("Error: ");
      expect(ran.stderr).toContain(message);
      expect(home.read()).toBe(realConfig());
    });
  }

  test("mcp-proxy --help lists the setup and doctor subcommands, and doctor --help its flags", async () => {
    using home = tempHome();
    const main = await runMcpProxy(["--help"], home.env());
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/COMMANDS\n\n\s+setup\s+Put Claude Desktop's MCP servers behind the proxy/);
    expect(main.stdout).toMatch(/\n\s+doctor\s+Say what is wrong/);
    const doctor = await runMcpProxy(["doctor", "--help"], home.env());
    expect(doctor.code).toBe(0);
    for (const flag of ["--config", "--port", "--target", "--json"]) expect(doctor.stdout).toContain(flag);
  });

  test("setup --help lists its flags and exits 0", async () => {
    using home = tempHome();
    const ran = await runMcpProxy(["setup", "--help"], home.env());
    expect(ran.code).toBe(0);
    for (const flag of ["--config", "--dry-run", "--only", "--except", "--port", "--proxy", "--force", "--undo"]) expect(ran.stdout).toContain(flag);
  });
});
