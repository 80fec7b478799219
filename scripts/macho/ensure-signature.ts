/**
 * The build's signature step for one Mach-O file: check every image; mend what is wrong with
 * the least change that works; check again. Wrong hashes in an otherwise sound ad-hoc
 * signature are rewritten in place. A signature that is not ad-hoc, does not cover the
 * whole image or cannot be read is replaced by a fresh ad-hoc one (ad-hoc-sign.ts).
 */
import { signAdHoc } from "./ad-hoc-sign.ts";
import { machOImages } from "./mach-o.ts";
import { checkImage, describe, isValid, repairSignatures, type ImageReport } from "./signature-check.ts";

export interface SignatureOutcome {
  /** The file after any change: the one passed in, or a longer copy when the signature grew. */
  file: Uint8Array;
  /** What the first check found, one line per fault ([] when it was valid). */
  found: string[];
  /** What was done, one line per image that was changed. */
  actions: string[];
  /** The final check, after any change. */
  after: ImageReport[];
  valid: boolean;
}

/** Checks `file` (changed in place when needed); `identifier` names a replacement signature. */
export function ensureSignature(file: Uint8Array, identifier: string): SignatureOutcome {
  const before = machOImages(file).map(checkImage);
  const actions: string[] = [];
  for (const report of before) {
    if (report.problems.length > 0) {
      // Only a thin file can grow, and then it is the only image: no stale report follows.
      file = signAdHoc(file, report.image, identifier);
      actions.push(`${report.arch}: replaced the signature with a fresh ad-hoc one (${report.problems.length} structural faults)`);
    } else if (report.mismatches.length > 0) {
      const written = repairSignatures([report]);
      actions.push(`${report.arch}: rewrote ${written} wrong hashes`);
    }
  }
  const after = actions.length > 0 ? machOImages(file).map(checkImage) : before;
  return { file, found: describe(before), actions, after, valid: isValid(after) };
}
