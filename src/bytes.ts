/** Byte-array helpers shared by the socket code. */

/** One array holding `parts` in order; the part itself when it is the only non-empty one. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  let only: Uint8Array | undefined;
  let count = 0;
  for (const part of parts) {
    if (part.length === 0) continue;
    length += part.length;
    only = part;
    count++;
  }
  if (count === 1) return only!;
  // A Buffer, so latin1() on it needs no view.
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const part of parts) {
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
  // Socket chunks are Buffers already; a view costs more than the decode.
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString("latin1", start, end);
}

export function latin1Bytes(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}
