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

/**
 * HTTP heads are bytes. Latin-1 maps each byte to one character and back, so obs-text in a
 * field value survives a parse and re-serialisation (TextDecoder's "latin1" is windows-1252,
 * and TextEncoder writes UTF-8: either would change bytes 0x80–0xFF).
 */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1", start, end);
}

export function latin1Bytes(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}
