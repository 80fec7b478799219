/** Byte-array helpers shared by the socket code. */

/** One array holding `parts` in order; the part itself when there is only one. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((part) => part.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  let length = 0;
  for (const part of nonEmpty) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of nonEmpty) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
