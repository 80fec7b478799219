/**
 * `bun run build`: the release binaries, dist/mcp-proxy-<os>-<arch> for every target, and
 * dist/SHA256SUMS (check with `sha256sum -c SHA256SUMS` or `shasum -a 256 -c SHA256SUMS`).
 *
 * Every darwin binary's code signature is checked here, without macOS, and mended when it is
 * wrong (scripts/macho/): Apple silicon kills a binary whose signature does not verify, and
 * Bun's cross-compiled darwin output has shipped with broken signatures. A binary that still
 * fails the check fails the build.
 *
 * test/e2e/binary-smoke.test.ts builds the host's binary with compile() below, so the tests
 * run what ships, built with the same flags.
 */
import { mkdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { ensureSignature } from "./macho/ensure-signature.ts";
import { machOImages } from "./macho/mach-o.ts";

export const targets = ["darwin-arm64", "darwin-x64", "linux-x64", "linux-arm64"] as const;
export type Target = (typeof targets)[number];

const root = join(import.meta.dir, "..");
const entry = join(root, "src", "cli.ts");
/** What `file` and the Mach-O header call each darwin target's CPU. */
const MACHO_ARCH: Partial<Record<Target, string>> = { "darwin-arm64": "arm64", "darwin-x64": "x86_64" };

/**
 * --bytecode precompiles the bundle to JSC bytecode: measured on linux-x64 (Bun 1.4.5, 2 vCPUs,
 * 20 interleaved runs of `--version`, three rounds), start-up fell from a 27–33 ms median to
 * 13–16 ms, for 2.6 MB more file.
 */
const FLAGS = ["--compile", "--minify", "--bytecode"];

/** The target this machine runs, or undefined where we ship no binary. */
export function hostTarget(): Target | undefined {
  const name = `${process.platform}-${process.arch}`;
  return (targets as readonly string[]).includes(name) ? (name as Target) : undefined;
}

/** Builds one binary at `outfile`; for darwin also checks (and mends) its signature. Returns log lines. */
export async function compile(target: Target, outfile: string): Promise<string[]> {
  const proc = Bun.spawn([process.execPath, "build", ...FLAGS, `--target=bun-${target}`, entry, "--outfile", outfile], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bun build for ${target} exited ${code}:\n${out}${err}`);
  const expectedArch = MACHO_ARCH[target];
  return expectedArch ? checkDarwin(outfile, expectedArch) : [];
}

async function checkDarwin(path: string, expectedArch: string): Promise<string[]> {
  const name = basename(path);
  const bytes = new Uint8Array(await Bun.file(path).arrayBuffer());
  const images = machOImages(bytes);
  if (images.length !== 1) {
    // Bun writes one thin image per target today; scripts/macho handles universal files, but
    // a universal file here would mean the target list and the output disagree.
    throw new Error(`${name}: expected a thin ${expectedArch} Mach-O, got a universal file of ${images.map((i) => i.arch).join(" + ")}`);
  }
  if (images[0]!.arch !== expectedArch) throw new Error(`${name}: Mach-O for ${images[0]!.arch}, expected ${expectedArch}`);
  const outcome = ensureSignature(bytes, name);
  const lines = outcome.found.length === 0 ? [`${name}: signature valid`] : [`${name}: signature invalid as built:`, ...outcome.found.map((l) => `  ${l}`)];
  if (outcome.actions.length > 0) {
    await Bun.write(path, outcome.file);
    lines.push(...outcome.actions.map((action) => `${name}: ${action}`));
  }
  const pages = outcome.after.reduce((sum, report) => sum + report.pagesChecked, 0);
  if (!outcome.valid) {
    throw new Error([...lines, `${name}: signature still invalid after repair:`, ...outcome.after.flatMap((r) => r.problems)].join("\n"));
  }
  if (outcome.actions.length > 0) lines.push(`${name}: signature valid after repair (${pages} page hashes)`);
  return lines;
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(await Bun.file(path).arrayBuffer());
  return hasher.digest("hex");
}

async function main(): Promise<void> {
  const dist = join(root, "dist");
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist);
  const sums: string[] = [];
  for (const target of targets) {
    const file = `mcp-proxy-${target}`;
    const started = performance.now();
    const lines = await compile(target, join(dist, file));
    console.log(`built dist/${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    for (const line of lines) console.log(`  ${line}`);
    sums.push(`${await sha256(join(dist, file))}  ${file}`);
  }
  await Bun.write(join(dist, "SHA256SUMS"), `${sums.join("\n")}\n`);
  console.log("wrote dist/SHA256SUMS");
  const host = hostTarget();
  if (host) {
    const version = Bun.spawnSync([join(dist, `mcp-proxy-${host}`), "--version"]).stdout.toString().trim();
    console.log(`dist/mcp-proxy-${host} --version → ${version}`);
  }
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
