/**
 * Reads an embedded code signature: the SuperBlob index and each CodeDirectory in it.
 * Everything here is big-endian, unlike the Mach-O around it. Layouts and constants from
 * Apple's xnu osfmk/kern/cs_blobs.h (CS_SuperBlob, CS_CodeDirectory).
 */

export const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
export const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
export const CSMAGIC_BLOBWRAPPER = 0xfade0b01;
/** Index types: 0 is the main CodeDirectory, 0x1000… alternates (e.g. SHA-1 beside SHA-256). */
export const CSSLOT_CODEDIRECTORY = 0;
export const CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000;
export const CSSLOT_SIGNATURESLOT = 0x10000;
export const CS_ADHOC = 0x2;

export interface Blob {
  /** The index type (CSSLOT_*). */
  type: number;
  /** Offset of the blob in the image (not in the signature). */
  offset: number;
  magic: number;
  /** The whole blob, header included: the bytes a special slot hashes. */
  bytes: Uint8Array;
}

export interface CodeDirectory {
  blob: Blob;
  version: number;
  flags: number;
  /** Offset of slot 0 (the first page hash) in the image; special slot -n is n hashes before it. */
  hashOffset: number;
  nSpecialSlots: number;
  nCodeSlots: number;
  /** Bytes of the image that the page hashes cover, from its start. */
  codeLimit: number;
  hashSize: number;
  hashType: number;
  /** log2 of the page size; 0 means one hash over everything up to codeLimit. */
  pageSizeLog2: number;
}

/** The blobs in the signature at `offset` (size `size`) of `image`. */
export function readSuperBlob(image: Uint8Array, offset: number, size: number): Blob[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const magic = view.getUint32(offset, false);
  if (magic !== CSMAGIC_EMBEDDED_SIGNATURE) {
    throw new Error(`signature at ${offset} has magic 0x${magic.toString(16)}, not an embedded-signature SuperBlob`);
  }
  const length = view.getUint32(offset + 4, false);
  if (length > size) throw new Error(`SuperBlob length ${length} exceeds LC_CODE_SIGNATURE's ${size} bytes`);
  const count = view.getUint32(offset + 8, false);
  const blobs: Blob[] = [];
  for (let i = 0; i < count; i++) {
    const type = view.getUint32(offset + 12 + i * 8, false);
    const at = offset + view.getUint32(offset + 16 + i * 8, false);
    const blobLength = view.getUint32(at + 4, false);
    if (at + blobLength > offset + length) throw new Error(`blob ${i} (type 0x${type.toString(16)}) runs past the SuperBlob`);
    blobs.push({ type, offset: at, magic: view.getUint32(at, false), bytes: image.subarray(at, at + blobLength) });
  }
  return blobs;
}

export function readCodeDirectory(image: Uint8Array, blob: Blob): CodeDirectory {
  const view = new DataView(image.buffer, image.byteOffset + blob.offset, blob.bytes.byteLength);
  const version = view.getUint32(8, false);
  let codeLimit = view.getUint32(32, false);
  // Version 0x20300 added a 64-bit limit for images past 4 GiB; it wins when set.
  if (version >= 0x20300 && blob.bytes.byteLength >= 64) {
    const wide = view.getBigUint64(56, false);
    if (wide !== 0n) codeLimit = Number(wide);
  }
  return {
    blob,
    version,
    flags: view.getUint32(12, false),
    hashOffset: blob.offset + view.getUint32(16, false),
    nSpecialSlots: view.getUint32(24, false),
    nCodeSlots: view.getUint32(28, false),
    codeLimit,
    hashSize: view.getUint8(36),
    hashType: view.getUint8(37),
    pageSizeLog2: view.getUint8(39),
  };
}
