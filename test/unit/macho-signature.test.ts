/**
 * The darwin signature check and repair (scripts/macho/) on a real darwin-arm64 binary, built
 * once into a temp dir with the release build's compile(). Each test works on its own copy.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../scripts/build.ts";
import { ensureSignature } from "../../scripts/macho/ensure-signature.ts";
import { machOImages } from "../../scripts/macho/mach-o.ts";
import { checkSignatures, describe as describeFaults, isValid } from "../../scripts/macho/signature-check.ts";
import { CS_ADHOC, readCodeDirectory, readSuperBlob } from "../../scripts/macho/super-blob.ts";

let dir = "";
let path = "";
let built = new Uint8Array();
const copy = () => built.slice();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mcp-proxy-macho-"));
  path = join(dir, "mcp-proxy-darwin-arm64");
  await compile("darwin-arm64", path);
  built = new Uint8Array(await Bun.file(path).arrayBuffer());
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The image's main CodeDirectory. */
function codeDirectory(file: Uint8Array) {
  const image = machOImages(file)[0]!;
  const blobs = readSuperBlob(image.bytes, image.signature!.offset, image.signature!.size);
  return { image, blobs, directory: readCodeDirectory(image.bytes, blobs.find((blob) => blob.type === 0)!) };
}

/** Wraps a thin image in a one-slice universal file, the slice 16 KiB-aligned as lipo does. */
function universal(thin: Uint8Array): Uint8Array {
  const offset = 0x4000;
  const file = new Uint8Array(offset + thin.byteLength);
  const view = new DataView(file.buffer);
  view.setUint32(0, 0xcafebabe);
  view.setUint32(4, 1);
  view.setUint32(8, 0x0100000c); // CPU_TYPE_ARM64
  view.setUint32(12, 0);
  view.setUint32(16, offset);
  view.setUint32(20, thin.byteLength);
  view.setUint32(24, 14);
  file.set(thin, offset);
  return file;
}

describe("Mach-O signature check", () => {
  test.skipIf(!Bun.which("file"))("file(1) calls the build a Mach-O arm64 executable", () => {
    const out = Bun.spawnSync(["file", "-b", path]).stdout.toString();
    expect(out).toStartWith("Mach-O 64-bit arm64 executable");
  });

  test("finds the build's ad-hoc signature valid, every page hashed", () => {
    const reports = checkSignatures(copy());
    expect(describeFaults(reports)).toEqual([]);
    expect(isValid(reports)).toBe(true);
    const { directory } = codeDirectory(built);
    expect(directory.flags & CS_ADHOC).toBe(CS_ADHOC);
    expect(reports[0]!.pagesChecked).toBe(Math.ceil(directory.codeLimit / 4096));
    expect(reports[0]!.pagesChecked).toBeGreaterThan(10_000);
  });

  test("names the page whose byte changed, and a repair makes it valid again on disk", async () => {
    const file = copy();
    file[1000 * 4096 + 123]! ^= 0xff;
    const reports = checkSignatures(file);
    expect(isValid(reports)).toBe(false);
    expect(reports[0]!.mismatches.map((m) => m.where)).toEqual(["arm64 CodeDirectory 0 (SHA-256) page 1000 (bytes 4096000–4100095)"]);
    expect(describeFaults(reports)[0]).toStartWith("arm64 CodeDirectory 0 (SHA-256) page 1000 (bytes 4096000–4100095): stored ");

    const outcome = ensureSignature(file, "test");
    expect(outcome.actions).toEqual(["arm64: rewrote 1 wrong hashes"]);
    expect(outcome.valid).toBe(true);
    const repaired = join(dir, "repaired");
    await Bun.write(repaired, outcome.file);
    expect(isValid(checkSignatures(new Uint8Array(await Bun.file(repaired).arrayBuffer())))).toBe(true);
  });

  test("replaces a signature whose codeLimit stops short (Bun's darwin-x64 fault) with a fresh ad-hoc one", () => {
    const file = copy();
    const { image, directory } = codeDirectory(file);
    // Shrink codeLimit by three pages, the shape Bun 1.4.5's darwin-x64 output has.
    new DataView(image.bytes.buffer, image.bytes.byteOffset).setUint32(directory.blob.offset + 32, directory.codeLimit - 3 * 4096, false);
    const reports = checkSignatures(file);
    expect(reports[0]!.problems.join("\n")).toContain(`codeLimit ${directory.codeLimit - 3 * 4096} ≠ signature offset ${directory.codeLimit}`);

    const outcome = ensureSignature(file, "mcp-proxy-test");
    expect(outcome.actions[0]).toContain("replaced the signature with a fresh ad-hoc one");
    expect(describeFaults(outcome.after)).toEqual([]);
    expect(outcome.valid).toBe(true);
    // Our signature holds a requirements blob and two special slots more than Bun's, so it grew.
    expect(outcome.file.byteLength).toBeGreaterThan(file.byteLength);
    const fresh = codeDirectory(outcome.file);
    expect(fresh.directory.flags).toBe(CS_ADHOC);
    expect(fresh.directory.codeLimit).toBe(directory.codeLimit);
    expect(fresh.blobs.map((blob) => blob.type)).toEqual([0, 2, 0x10000]);
  });

  test("checks the requirements special slot of a signature it wrote", () => {
    const { file } = ensureSignature(breakCodeLimit(copy()), "mcp-proxy-test");
    const { blobs } = codeDirectory(file);
    const requirements = blobs.find((blob) => blob.type === 2)!;
    requirements.bytes[11]! ^= 0x01; // the requirement count
    const reports = checkSignatures(file);
    expect(reports[0]!.mismatches.map((m) => m.where)).toEqual(["arm64 CodeDirectory 0 (SHA-256) special slot -2 (requirements)"]);
    expect(ensureSignature(file, "mcp-proxy-test").valid).toBe(true);
  });

  test("checks and repairs each slice of a universal file in place", () => {
    const file = universal(copy());
    expect(isValid(checkSignatures(file))).toBe(true);
    file[0x4000 + 5 * 4096]! ^= 0xff;
    const reports = checkSignatures(file);
    expect(reports.map((r) => r.arch)).toEqual(["arm64"]);
    expect(reports[0]!.mismatches.map((m) => m.where)).toEqual(["arm64 CodeDirectory 0 (SHA-256) page 5 (bytes 20480–24575)"]);
    const outcome = ensureSignature(file, "test");
    expect(outcome.file).toBe(file);
    expect(outcome.valid).toBe(true);
  });

  test("refuses a file that is not Mach-O", () => {
    expect(() => machOImages(new TextEncoder().encode("\x7fELF not a mach-o file"))).toThrow("not a Mach-O image");
  });
});

/** Forces a re-sign (by breaking codeLimit) so the file carries our requirements blob. */
function breakCodeLimit(file: Uint8Array): Uint8Array {
  const { image, directory } = codeDirectory(file);
  new DataView(image.bytes.buffer, image.bytes.byteOffset).setUint32(directory.blob.offset + 32, 0, false);
  return file;
}
