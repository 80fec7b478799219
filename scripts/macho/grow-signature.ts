/**
 * Makes room for a larger code signature at the end of a thin Mach-O, as codesign does: the
 * signature is the last thing in the file and in __LINKEDIT, so growing it means a longer file,
 * a larger LC_CODE_SIGNATURE datasize and a larger __LINKEDIT. Nothing else moves.
 *
 * A universal file would need its later slices moved and its fat table rewritten; we refuse.
 */
import { machOImages, type MachOImage } from "./mach-o.ts";

/** VM sizes are page multiples; 16 KiB is arm64's page and a multiple of x86_64's 4 KiB. */
const VM_PAGE = 0x4000;

/** A copy of `file` whose signature space is at least `size` bytes; returns it and its image. */
export function growSignatureSpace(file: Uint8Array, image: MachOImage, size: number): { file: Uint8Array; image: MachOImage } {
  const signature = image.signature;
  if (!signature) throw new Error(`${image.arch}: no LC_CODE_SIGNATURE`);
  if (image.offset !== 0 || image.bytes.byteLength !== file.byteLength) {
    throw new Error(`${image.arch}: the signature needs ${size} bytes, has ${signature.size}, and growing a slice of a universal file is not supported`);
  }
  const linkedit = image.segments.find((segment) => segment.name === "__LINKEDIT");
  const end = signature.offset + signature.size;
  if (end !== file.byteLength || !linkedit || linkedit.fileOffset + linkedit.fileSize !== end) {
    throw new Error(`${image.arch}: the signature is not the last thing in the file and __LINKEDIT, so it cannot grow`);
  }
  const newSize = Math.ceil(size / 16) * 16;
  const grown = new Uint8Array(signature.offset + newSize);
  grown.set(file.subarray(0, signature.offset));
  const view = new DataView(grown.buffer);
  view.setUint32(signature.command + 12, newSize, true);
  const fileSize = linkedit.fileSize + (newSize - signature.size);
  view.setBigUint64(linkedit.command + 48, BigInt(fileSize), true);
  view.setBigUint64(linkedit.command + 32, BigInt(Math.max(linkedit.vmSize, Math.ceil(fileSize / VM_PAGE) * VM_PAGE)), true);
  return { file: grown, image: machOImages(grown)[0]! };
}
