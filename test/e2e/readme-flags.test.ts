/**
 * The READMEs document every flag the real CLI offers: each `--flag` in `mcp-proxy --help`
 * must appear in README.md and README.zh-TW.md, and every flag in the schema must be in --help.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { args } from "../../src/cli-args.ts";
import { within } from "../helpers/wait.ts";

const root = join(import.meta.dir, "..", "..");
const readmes = ["README.md", "README.zh-TW.md"];

/** `--name` not glued to more of a longer flag or word on either side. */
function mentions(text: string, flag: string): boolean {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
}

async function helpText(): Promise<string> {
  const proc = Bun.spawn([process.execPath, join(root, "src", "cli.ts"), "--help"], {
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

test("every flag in --help is documented in README.md and README.zh-TW.md", async () => {
  const help = await helpText();
  const flags = [...new Set(help.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? [])];
  expect(flags.length).toBeGreaterThanOrEqual(10);

  for (const name of Object.keys(args)) expect(mentions(help, `--${name}`)).toBe(true);

  const missing: string[] = [];
  for (const file of readmes) {
    const text = await Bun.file(join(root, file)).text();
    for (const flag of flags) if (!mentions(text, flag)) missing.push(`${file}: ${flag}`);
  }
  expect(missing).toEqual([]);
});
