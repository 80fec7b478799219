/**
 * Pure: is this credential the token? Both kinds reduce to one constant-time compare.
 *
 *   Authorization: Bearer <token>                     (bridge and status routes)
 *   Proxy-Authorization: Basic base64(any-user:token)  (CONNECT and absolute-URI requests)
 *        └─▶ the token part ─SHA-256─▶ timingSafeEqual(expected SHA-256)
 *
 * Comparing digests, not the strings, keeps both sides 32 bytes long: timingSafeEqual needs
 * equal lengths, and a length check before it would tell an attacker the token's length.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { latin1 } from "../bytes.ts";

/**
 * Bun's own SHA-256, one native call; node:crypto's createHash builds a Hash object per call.
 * Measured in the proxy under bench-auth, the whole Proxy-Authorization check of a CONNECT
 * took 7.6–7.9 µs at p50 (mean 11.5–11.8) with createHash and 6.4–7.2 (mean 8.3–10.3) with this.
 */
export function sha256(value: string | Uint8Array): Uint8Array {
  return Bun.SHA256.hash(value) as Uint8Array;
}

/** Both `Basic` and `Bearer` schemes are case-insensitive (RFC 9110 §11.1). */
const basicScheme = /^basic[ \t]+([A-Za-z0-9+/=_-]+)[ \t]*$/i;
const bearerScheme = /^bearer[ \t]+(\S+)[ \t]*$/i;

export class TokenCheck {
  private readonly expected: Uint8Array;
  private readonly configured: boolean;

  /** With no token nothing matches (the digest of random bytes stands in, so the work is the same). */
  constructor(token: string | undefined) {
    this.configured = token !== undefined && token !== "";
    this.expected = sha256(this.configured ? token! : randomBytes(32));
  }

  /** Constant-time: whatever the candidate's length or where it differs, the same work is done. */
  matches(candidate: string | Uint8Array): boolean {
    return timingSafeEqual(sha256(candidate), this.expected) && this.configured;
  }

  /** An `Authorization` value carrying the token as a Bearer credential. */
  bearer(value: string | null | undefined): boolean {
    const match = value ? bearerScheme.exec(value) : null;
    return this.matches(match ? match[1]! : "");
  }

  /** A `Proxy-Authorization` value carrying `user:token` (any user) as a Basic credential. */
  basic(value: string | null | undefined): boolean {
    const match = value ? basicScheme.exec(value) : null;
    if (!match) return this.matches("");
    const decoded = Buffer.from(match[1]!, "base64");
    const colon = decoded.indexOf(0x3a);
    return this.matches(colon === -1 ? "" : decoded.subarray(colon + 1));
  }
}

/** The Proxy-Authorization value of a sniffed head: the first `headLength` bytes of `bytes`. */
export function proxyAuthorizationIn(bytes: Uint8Array, headLength: number): string | undefined {
  return fieldValue(latin1(bytes, 0, headLength), "proxy-authorization");
}

/** A field's value in a raw request head (first occurrence, name case-insensitive). */
export function fieldValue(head: string, name: string): string | undefined {
  const lower = head.toLowerCase();
  const at = lower.indexOf(`\n${name}:`);
  if (at === -1) return undefined;
  const start = at + name.length + 2;
  let end = head.indexOf("\n", start);
  if (end === -1) end = head.length;
  return head.slice(start, end).trim();
}
