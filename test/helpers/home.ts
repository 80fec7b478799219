/**
 * A temporary HOME for tests of commands that read and write a user's files, removed on
 * dispose; and a one-shot run of the real CLI (`bun src/cli.ts …`) with that HOME, bounded in
 * time, killed by pid whatever happens.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cliPath } from "./cli.ts";
import { within } from "./wait.ts";

export interface TempHome extends Disposable {
  home: string;
  /** Where Claude Desktop's config is on Linux with no XDG_CONFIG_HOME. */
  configPath: string;
  /** A folder prepended to PATH, for fake commands. */
  bin: string;
  /** Writes the config (creating its folder) with this mode. */
  writeConfig(text: string, mode?: number): string;
  read(path?: string): string;
  mode(path?: string): number;
  /** The names in the config's folder. */
  files(): string[];
  /** Puts an executable shell script named `name` in `bin`. */
  fakeCommand(name: string, script: string): void;
  /** The environment the CLI gets: this HOME, no XDG_CONFIG_HOME, `bin` first on PATH. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
}

export function tempHome(): TempHome {
  const home = mkdtempSync(join(tmpdir(), "mcp-proxy-home-"));
  const configPath = join(home, ".config", "Claude", "claude_desktop_config.json");
  const bin = join(home, "bin");
  mkdirSync(bin);
  return {
    home,
    configPath,
    bin,
    writeConfig(text, mode = 0o644) {
      mkdirSync(dirname(configPath), { recursive: true });
      writeFileSync(configPath, text);
      chmodSync(configPath, mode);
      return configPath;
    },
    read: (path = configPath) => readFileSync(path, "utf8"),
    mode: (path = configPath) => statSync(path).mode & 0o7777,
    files: () => readdirSync(dirname(configPath)).sort(),
    fakeCommand(name, script) {
      writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`);
      chmodSync(join(bin, name), 0o755);
    },
    env: (extra = {}) => ({ ...process.env, HOME: home, XDG_CONFIG_HOME: undefined, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1", ...extra }),
    [Symbol.dispose]: () => {
      chmodSync(home, 0o700);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** `bun src/cli.ts ARGS` to completion (15 s at most). `prefix` runs it through another command (setpriv). */
export async function runMcpProxy(args: string[], env: Record<string, string | undefined>, prefix: string[] = []): Promise<Ran> {
  const proc = Bun.spawn([...prefix, process.execPath, cliPath, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  try {
    const [stdout, stderr, code] = await within(
      Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]),
      15_000,
      `mcp-proxy ${args.join(" ")}`,
    );
    return { code, stdout, stderr };
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  }
}
