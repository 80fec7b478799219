/**
 * Writes a fresh ad-hoc signature into the space LC_CODE_SIGNATURE already reserves, in the
 * shape `codesign --sign -` gives: a SuperBlob holding one SHA-256 CodeDirectory, an empty
 * requirement set and an empty CMS wrapper.
 *
 * Needed when a signature is beyond patching hashes: Bun 1.4.5 cross-compiling to
 * darwin-x64 keeps the runtime's Developer ID signature, whose codeLimit ends ~49 KB before
 * the signature now starts and whose CMS blob a patched hash would break. Hardened-runtime
 * and its entitlements go with the old signature, as in Bun's own ad-hoc arm64 output. When
 * the reserved space is too small (it was sized for the runtime, before the bundle grew the
 * file) it grows, for a thin file (grow-signature.ts).
 */
import { createHash } from "node:crypto";
import { growSignatureSpace } from "./grow-signature.ts";
import type { MachOImage } from "./mach-o.ts";
import { CS_ADHOC, CSMAGIC_BLOBWRAPPER, CSMAGIC_CODEDIRECTORY, CSMAGIC_EMBEDDED_SIGNATURE, CSSLOT_CODEDIRECTORY, CSSLOT_SIGNATURESLOT } from "./super-blob.ts";

const CSMAGIC_REQUIREMENTS = 0xfade0c01;
const CSSLOT_REQUIREMENTS = 2;
const CS_HASHTYPE_SHA256 = 2;
const HASH_SIZE = 32;
const PAGE_LOG2 = 12;
const PAGE = 2 ** PAGE_LOG2;
const MH_EXECUTE = 2;
const CS_EXECSEG_MAIN_BINARY = 0x1;
/** Fields up to execSegFlags (CodeDirectory version 0x20400). */
const CD_HEADER = 88;

/**
 * Replaces the image's signature. Returns the file: `file` itself, changed in place, or a
 * longer copy when the signature space had to grow.
 */
export function signAdHoc(file: Uint8Array, image: MachOImage, identifier: string): Uint8Array {
  if (!image.signature) throw new Error(`${image.arch}: no LC_CODE_SIGNATURE to write into; sign it on macOS with codesign -s -`);
  const codeLimit = image.signature.offset;
  const ident = new TextEncoder().encode(`${identifier}\0`);
  const requirements = blob(CSMAGIC_REQUIREMENTS, 12, (view) => view.setUint32(8, 0));
  const wrapper = blob(CSMAGIC_BLOBWRAPPER, 8, () => {});
  const directoryLength = CD_HEADER + ident.byteLength + (CSSLOT_REQUIREMENTS + Math.ceil(codeLimit / PAGE)) * HASH_SIZE;
  const headerSize = 12 + 3 * 8;
  const total = headerSize + directoryLength + requirements.byteLength + wrapper.byteLength;
  // Grow first: the header page that records the new size is one of the pages we hash.
  if (total > image.signature.size) ({ file, image } = growSignatureSpace(file, image, total));

  const directory = codeDirectory(image, ident, codeLimit, requirements);
  const entries: [number, Uint8Array][] = [[CSSLOT_CODEDIRECTORY, directory], [CSSLOT_REQUIREMENTS, requirements], [CSSLOT_SIGNATURESLOT, wrapper]];
  const superBlob = new Uint8Array(image.signature!.size); // zero padding after the blobs, as ld and codesign leave it
  const view = new DataView(superBlob.buffer);
  view.setUint32(0, CSMAGIC_EMBEDDED_SIGNATURE);
  view.setUint32(4, total);
  view.setUint32(8, entries.length);
  let at = headerSize;
  entries.forEach(([type, bytes], i) => {
    view.setUint32(12 + i * 8, type);
    view.setUint32(16 + i * 8, at);
    superBlob.set(bytes, at);
    at += bytes.byteLength;
  });
  image.bytes.set(superBlob, codeLimit);
  return file;
}

function codeDirectory(image: MachOImage, ident: Uint8Array, codeLimit: number, requirements: Uint8Array): Uint8Array {
  const nSpecialSlots = CSSLOT_REQUIREMENTS; // slot -1 (Info.plist) stays zero: no bundle
  const nCodeSlots = Math.ceil(codeLimit / PAGE);
  const hashOffset = CD_HEADER + ident.byteLength + nSpecialSlots * HASH_SIZE;
  const length = hashOffset + nCodeSlots * HASH_SIZE;
  return blob(CSMAGIC_CODEDIRECTORY, length, (view, bytes) => {
    view.setUint32(8, 0x20400);
    view.setUint32(12, CS_ADHOC);
    view.setUint32(16, hashOffset);
    view.setUint32(20, CD_HEADER);
    view.setUint32(24, nSpecialSlots);
    view.setUint32(28, nCodeSlots);
    view.setUint32(32, codeLimit);
    view.setUint8(36, HASH_SIZE);
    view.setUint8(37, CS_HASHTYPE_SHA256);
    view.setUint8(39, PAGE_LOG2);
    const text = image.segments.find((segment) => segment.name === "__TEXT");
    view.setBigUint64(64, BigInt(text?.fileOffset ?? 0));
    view.setBigUint64(72, BigInt(text?.fileSize ?? 0));
    view.setBigUint64(80, BigInt(image.fileType === MH_EXECUTE ? CS_EXECSEG_MAIN_BINARY : 0));
    bytes.set(ident, CD_HEADER);
    bytes.set(sha256(requirements), hashOffset - CSSLOT_REQUIREMENTS * HASH_SIZE);
    for (let page = 0; page < nCodeSlots; page++) {
      const start = page * PAGE;
      const end = Math.min(start + PAGE, codeLimit);
      bytes.set(sha256(image.bytes.subarray(start, end)), hashOffset + page * HASH_SIZE);
    }
  });
}

/** A blob with its magic and length set, the rest filled by `fill`. */
function blob(magic: number, length: number, fill: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  view.setUint32(4, length);
  fill(view, bytes);
  return bytes;
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash("sha256").update(data).digest();
}
