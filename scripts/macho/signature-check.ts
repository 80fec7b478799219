/**
 * Checks and repairs ad-hoc code signatures of Mach-O files without macOS.
 *
 * Apple silicon kills (SIGKILL, "Killed: 9") a binary whose pages do not match the hashes in
 * its CodeDirectory, and Bun's cross-compiled darwin output has shipped with wrong page hashes
 * in some releases. The check recomputes every code page hash, and the hashes of the blobs
 * that special slots name, and compares them with the stored ones. The repair writes the
 * computed hashes into the slots. That is enough for an ad-hoc signature: nothing else holds
 * the CodeDirectory's own hash (the cdhash), since only a CMS blob (a signature with an
 * identity) would, and we refuse to touch those.
 */
import { createHash } from "node:crypto";
import { machOImages, type MachOImage } from "./mach-o.ts";
import {
  CS_ADHOC,
  CSMAGIC_BLOBWRAPPER,
  CSMAGIC_CODEDIRECTORY,
  CSSLOT_ALTERNATE_CODEDIRECTORIES,
  CSSLOT_CODEDIRECTORY,
  CSSLOT_SIGNATURESLOT,
  readCodeDirectory,
  readSuperBlob,
  type Blob,
  type CodeDirectory,
} from "./super-blob.ts";

/** A stored hash that differs from the one computed now: what a repair rewrites. */
export interface Mismatch {
  /** Which image, CodeDirectory and slot, in words: "arm64 CodeDirectory 0 (SHA-256) page 12 (bytes 49152–53247)". */
  where: string;
  /** The slot's offset in the image. */
  slotOffset: number;
  stored: string;
  computed: Uint8Array;
}

export interface ImageReport {
  arch: string;
  /** Pages hashed, summed over the CodeDirectories. */
  pagesChecked: number;
  /** Faults a repair cannot mend (no signature, a real identity, a wrong slot count…). */
  problems: string[];
  mismatches: Mismatch[];
  image: MachOImage;
}

/** cs_blobs.h CS_HASHTYPE_*: algorithm and the slot width it implies. */
const HASH_TYPES: Record<number, { name: string; algorithm: string; size: number }> = {
  1: { name: "SHA-1", algorithm: "sha1", size: 20 },
  2: { name: "SHA-256", algorithm: "sha256", size: 32 },
  3: { name: "SHA-256/160", algorithm: "sha256", size: 20 },
  4: { name: "SHA-384", algorithm: "sha384", size: 48 },
};
/** Special slot -n holds the hash of the blob whose index type is n; these live in the file. */
const SPECIAL_BLOBS: Record<number, string> = { 2: "requirements", 5: "entitlements", 7: "DER entitlements" };

export function checkSignatures(file: Uint8Array): ImageReport[] {
  return machOImages(file).map(checkImage);
}

export function isValid(reports: ImageReport[]): boolean {
  return reports.every((report) => report.problems.length === 0 && report.mismatches.length === 0);
}

/** Writes every computed hash over its stored one; returns how many slots changed. */
export function repairSignatures(reports: ImageReport[]): number {
  let written = 0;
  for (const report of reports) {
    for (const mismatch of report.mismatches) {
      report.image.bytes.set(mismatch.computed, mismatch.slotOffset);
      written++;
    }
  }
  return written;
}

/** One line per fault, the first `limit` mismatches listed by name. */
export function describe(reports: ImageReport[], limit = 5): string[] {
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(...report.problems.map((problem) => `${report.arch}: ${problem}`));
    for (const mismatch of report.mismatches.slice(0, limit)) {
      lines.push(`${mismatch.where}: stored ${mismatch.stored}, computed ${hex(mismatch.computed)}`);
    }
    if (report.mismatches.length > limit) lines.push(`${report.arch}: … and ${report.mismatches.length - limit} more wrong hashes`);
  }
  return lines;
}

export function checkImage(image: MachOImage): ImageReport {
  const report: ImageReport = { arch: image.arch, pagesChecked: 0, problems: [], mismatches: [], image };
  if (!image.signature) {
    report.problems.push("no LC_CODE_SIGNATURE: unsigned, and Apple silicon will not run it (sign it with codesign -s -)");
    return report;
  }
  const linkedit = image.segments.find((segment) => segment.name === "__LINKEDIT");
  const signatureEnd = image.signature.offset + image.signature.size;
  if (linkedit && (linkedit.fileOffset + linkedit.fileSize < signatureEnd || linkedit.vmSize < linkedit.fileSize)) {
    report.problems.push(`__LINKEDIT (file ${linkedit.fileOffset}+${linkedit.fileSize}, vm ${linkedit.vmSize}) does not hold the signature ending at ${signatureEnd}`);
  }
  let blobs: Blob[];
  try {
    blobs = readSuperBlob(image.bytes, image.signature.offset, image.signature.size);
  } catch (error) {
    report.problems.push(`unreadable signature: ${(error as Error).message}`);
    return report;
  }
  const cms = blobs.find((blob) => blob.type === CSSLOT_SIGNATURESLOT && blob.magic === CSMAGIC_BLOBWRAPPER);
  // An ad-hoc signature may carry an empty wrapper (8 bytes of header); anything more is a
  // CMS signature over the cdhashes, which a rewrite would break and only its key can redo.
  const signedWithIdentity = cms !== undefined && cms.bytes.byteLength > 8;
  if (signedWithIdentity) {
    report.problems.push("signed with an identity (CMS blob present): patching its hashes would break the CMS signature");
  }
  const directories = blobs
    .filter((blob) => blob.type === CSSLOT_CODEDIRECTORY || (blob.type >= CSSLOT_ALTERNATE_CODEDIRECTORIES && blob.type < CSSLOT_ALTERNATE_CODEDIRECTORIES + 5))
    .filter((blob) => blob.magic === CSMAGIC_CODEDIRECTORY)
    .map((blob) => readCodeDirectory(image.bytes, blob));
  if (directories.length === 0) report.problems.push("the signature has no CodeDirectory (magic 0xfade0c02)");
  const context = { blobs, signatureOffset: image.signature.offset, signedWithIdentity };
  directories.forEach((directory, index) => checkDirectory(report, directory, index, context));
  return report;
}

interface SignatureContext {
  blobs: Blob[];
  signatureOffset: number;
  signedWithIdentity: boolean;
}

function checkDirectory(report: ImageReport, directory: CodeDirectory, index: number, context: SignatureContext): void {
  const { image } = report;
  const { blobs, signatureOffset } = context;
  const hash = HASH_TYPES[directory.hashType];
  const label = `${image.arch} CodeDirectory ${index} (${hash?.name ?? `hash type ${directory.hashType}`})`;
  const fault = (message: string): void => {
    report.problems.push(`CodeDirectory ${index}: ${message}`);
  };
  if (!hash) return fault(`unknown hash type ${directory.hashType}`);
  if (directory.hashSize !== hash.size) return fault(`hash size ${directory.hashSize} does not match ${hash.name}`);
  if ((directory.flags & CS_ADHOC) === 0 && !context.signedWithIdentity) fault("neither flagged ad-hoc nor signed with an identity");
  // The hashes must cover everything before the signature and nothing of it: a limit past
  // the signature can never verify, one short of it leaves code unchecked.
  if (directory.codeLimit !== signatureOffset) fault(`codeLimit ${directory.codeLimit} ≠ signature offset ${signatureOffset}`);
  const pageSize = directory.pageSizeLog2 === 0 ? directory.codeLimit : 2 ** directory.pageSizeLog2;
  const expectedSlots = pageSize === 0 ? 0 : Math.ceil(directory.codeLimit / pageSize);
  if (directory.nCodeSlots !== expectedSlots) return fault(`${directory.nCodeSlots} code slots, ${expectedSlots} pages to cover`);
  const slotsEnd = directory.hashOffset + directory.nCodeSlots * hash.size;
  const slotsStart = directory.hashOffset - directory.nSpecialSlots * hash.size;
  const blobEnd = directory.blob.offset + directory.blob.bytes.byteLength;
  if (slotsStart < directory.blob.offset || slotsEnd > blobEnd) return fault("hash slots lie outside the CodeDirectory");

  const compare = (where: string, slotOffset: number, data: Uint8Array) => {
    const computed = digest(hash.algorithm, data).subarray(0, hash.size);
    const stored = image.bytes.subarray(slotOffset, slotOffset + hash.size);
    if (!equal(stored, computed)) report.mismatches.push({ where: `${label} ${where}`, slotOffset, stored: hex(stored), computed });
  };
  for (let page = 0; page < directory.nCodeSlots; page++) {
    const start = page * pageSize;
    const end = Math.min(start + pageSize, directory.codeLimit);
    compare(`page ${page} (bytes ${start}–${end - 1})`, directory.hashOffset + page * hash.size, image.bytes.subarray(start, end));
  }
  report.pagesChecked += directory.nCodeSlots;
  for (const [type, name] of Object.entries(SPECIAL_BLOBS).map(([t, n]) => [Number(t), n] as const)) {
    const blob = blobs.find((candidate) => candidate.type === type);
    if (!blob) continue;
    if (type > directory.nSpecialSlots) {
      fault(`has a ${name} blob but only ${directory.nSpecialSlots} special slots`);
      continue;
    }
    compare(`special slot -${type} (${name})`, directory.hashOffset - type * hash.size, blob.bytes);
  }
}

function digest(algorithm: string, data: Uint8Array): Uint8Array {
  return createHash(algorithm).update(data).digest();
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}
