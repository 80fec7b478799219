/**
 * The READMEs document every flag the real CLI offers: each `--flag` in `mcp-proxy --help`,
 * `mcp-proxy setup --help` and `mcp-proxy doctor --help` must appear in README.md and
 * README.zh-TW.md, and every flag in each schema must be in its --help.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import type { ArgsDef } from "citty";
import { args } from "../../src/cli-args.ts";
import { args as doctorArgs } from "../../src/commands/doctor.ts";
import { args as setupArgs } from "../../src/commands/setup.ts";
import { within } from "../helpers/wait.ts";

const root = join(import.meta.dir, "..", "..");
const readmes = ["README.md", "README.zh-TW.md"];

/** `--name` not glued to more of a longer flag or word on either side. */
function mentions(text: string, flag: string): boolean {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
}

async function helpText(command: string[]): Promise<string> {
  const proc = Bun.spawn([process.execPath, join(root, "src", "cli.ts"), ...command, "--help"], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const [stdout, code] = await within(Promise.all([new Response(proc.stdout).text(), proc.exited]), 10_000, "mcp-proxy --help");
    expect(code).toBe(0);
    // citty colours its output; strip any ANSI escapes that NO_COLOR did not prevent.
    return stdout.replace(/\x1b\[[0-9;]*m/g, "");
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

for (const [command, schema, least] of [
  [[], args, 10],
  [["setup"], setupArgs, 8],
  [["doctor"], doctorArgs, 4],
] as [string[], ArgsDef, number][]) {
  test(`every flag in mcp-proxy ${[...command, "--help"].join(" ")} is documented in README.md and README.zh-TW.md`, async () => {
    const help = await helpText(command);
    const flags = [...new Set(help.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? [])];
    expect(flags.length).toBeGreaterThanOrEqual(least);

    for (const name of Object.keys(schema)) expect(mentions(help, `--${name}`)).toBe(true);

    const missing: string[] = [];
    for (const file of readmes) {
      const text = await Bun.file(join(root, file)).text();
      for (const flag of flags) if (!mentions(text, flag)) missing.push(`${file}: ${flag}`);
    }
    expect(missing).toEqual([]);
  });
}
