/**
 * Finds the Mach-O images in a file and, in each, the code signature that LC_CODE_SIGNATURE
 * points at. A thin file is one image; a fat (universal) file is a table of slices, each a
 * whole Mach-O with its own signature whose offsets count from the slice's start.
 * Layouts from <mach-o/loader.h> and <mach-o/fat.h>.
 */

export interface MachOImage {
  /** "arm64", "x86_64", or the raw cputype in hex for anything else. */
  arch: string;
  /** Where the image starts in the file (0 for a thin file). */
  offset: number;
  /** The image's bytes: a view into the file's buffer, so writes land in the file. */
  bytes: Uint8Array;
  /** The signature's place in `bytes` (and its load command's), or undefined when there is no LC_CODE_SIGNATURE. */
  signature?: { offset: number; size: number; command: number };
  /** The 64-bit segments, in load-command order. */
  segments: Segment[];
  /** MH_EXECUTE (2) for a program; dylibs and bundles have other types. */
  fileType: number;
}

export interface Segment {
  /** "__TEXT", "__LINKEDIT"… */
  name: string;
  /** Offset of its LC_SEGMENT_64 in the image. */
  command: number;
  fileOffset: number;
  fileSize: number;
  vmSize: number;
}

const MH_MAGIC_64 = 0xfeedfacf;
const MH_MAGIC = 0xfeedface;
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
const LC_CODE_SIGNATURE = 0x1d;
const LC_SEGMENT_64 = 0x19;
const CPU_NAMES: Record<number, string> = { 0x0100000c: "arm64", 0x01000007: "x86_64", 12: "arm", 7: "i386" };

/** Every Mach-O image in `file`; throws when it is not Mach-O at all. */
export function machOImages(file: Uint8Array): MachOImage[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.byteLength < 8) throw new Error("not a Mach-O file: shorter than a header");
  const magicBE = view.getUint32(0, false);
  if (magicBE === FAT_MAGIC || magicBE === FAT_MAGIC_64) return fatSlices(file, view, magicBE === FAT_MAGIC_64);
  return [thinImage(file, 0)];
}

/** A universal file: big-endian fat_arch (or fat_arch_64) records after an 8-byte header. */
function fatSlices(file: Uint8Array, view: DataView, wide: boolean): MachOImage[] {
  const count = view.getUint32(4, false);
  const recordSize = wide ? 32 : 20;
  if (count === 0 || 8 + count * recordSize > file.byteLength) throw new Error(`fat header claims ${count} slices`);
  const images: MachOImage[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * recordSize;
    const offset = wide ? Number(view.getBigUint64(at + 8, false)) : view.getUint32(at + 8, false);
    const size = wide ? Number(view.getBigUint64(at + 16, false)) : view.getUint32(at + 12, false);
    if (offset + size > file.byteLength) throw new Error(`fat slice ${i} runs past the end of the file`);
    images.push(thinImage(file.subarray(offset, offset + size), offset));
  }
  return images;
}

function thinImage(bytes: Uint8Array, offset: number): MachOImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  // Apple's arm64 and x86_64 images are little-endian; a byte-swapped magic would be a
  // big-endian image (PowerPC), which nothing we build produces.
  if (magic !== MH_MAGIC_64 && magic !== MH_MAGIC) {
    throw new Error(`not a Mach-O image at offset ${offset}: magic 0x${magic.toString(16)}`);
  }
  const cpu = view.getUint32(4, true);
  const ncmds = view.getUint32(16, true);
  let at = magic === MH_MAGIC_64 ? 32 : 28;
  const image: MachOImage = { arch: CPU_NAMES[cpu] ?? `cputype 0x${cpu.toString(16)}`, offset, bytes, fileType: view.getUint32(12, true), segments: [] };
  for (let i = 0; i < ncmds; i++) {
    if (at + 8 > bytes.byteLength) throw new Error(`load command ${i} runs past the end of the image`);
    const cmd = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (cmd === LC_CODE_SIGNATURE) {
      const dataOffset = view.getUint32(at + 8, true);
      const dataSize = view.getUint32(at + 12, true);
      if (dataOffset + dataSize > bytes.byteLength) {
        throw new Error(`LC_CODE_SIGNATURE points past the end of the image (${dataOffset}+${dataSize} > ${bytes.byteLength})`);
      }
      image.signature = { offset: dataOffset, size: dataSize, command: at };
    }
    if (cmd === LC_SEGMENT_64) {
      image.segments.push({
        name: new TextDecoder().decode(bytes.subarray(at + 8, at + 24)).replace(/\0+$/, ""),
        command: at,
        vmSize: Number(view.getBigUint64(at + 32, true)),
        fileOffset: Number(view.getBigUint64(at + 40, true)),
        fileSize: Number(view.getBigUint64(at + 48, true)),
      });
    }
    if (size < 8) throw new Error(`load command ${i} has size ${size}`);
    at += size;
  }
  return image;
}
