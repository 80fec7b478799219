/**
 * Pure: IP addresses and CIDR blocks as 16 bytes, so one comparison serves IPv4, IPv6 and
 * IPv4-mapped IPv6 alike.
 *
 *   "10.1.2.3" │ "::ffff:10.1.2.3" │ "::ffff:a01:203" ──parseIp──▶ the same 16 bytes
 *   "10.0.0.0/8" ──parseCidr──▶ ::ffff:10.0.0.0/104      "fe80::/10" ──▶ fe80::/10
 *
 * An IPv4 address is held as its IPv4-mapped IPv6 form (RFC 4291 §2.5.5.2), which is also how
 * Bun reports an IPv4 client on a dual-stack listener (`::ffff:127.0.0.1`).
 */

export interface Cidr {
  bytes: Uint8Array;
  /** Leading bits that must match, 0–128 (an IPv4 /n is 96 + n). */
  prefix: number;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Dotted-quad IPv4 (exactly four decimal parts, each 0–255, no leading zeros) → 4 bytes. */
function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** IPv6 text (RFC 4291 §2.2, an IPv4 tail allowed; a `%zone` is dropped) → 16 bytes. */
function parseIpv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4 || lastColon < 1) return undefined;
    tail = v4;
    // Keep a `::` that ends right before the IPv4 part: "::1.2.3.4" → "::", "1:2:3:4:5:6:1.2.3.4" → "1:2:3:4:5:6".
    text = text[lastColon - 1] === ":" ? text.slice(0, lastColon + 1) : text.slice(0, lastColon);
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const wanted = 8 - tail.length / 2;
  const missing = wanted - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  const bytes = new Uint8Array(16);
  let at = 0;
  for (const group of all) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(group)) return undefined;
    const n = parseInt(group, 16);
    bytes[at++] = n >> 8;
    bytes[at++] = n & 0xff;
  }
  for (const b of tail) bytes[at++] = b;
  return at === 16 ? bytes : undefined;
}

/** An IPv4 or IPv6 literal (IPv6 possibly in brackets) → 16 bytes; undefined for a name. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  if (text.includes(":")) return parseIpv6(text);
  const v4 = parseIpv4(text);
  return v4 ? Uint8Array.from([...MAPPED_PREFIX, ...v4]) : undefined;
}

/** `10.0.0.0/8`, `fe80::/10`, or a single address (a /32 or /128). Bits past the prefix are ignored. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const base = slash === -1 ? text : text.slice(0, slash);
  const bytes = parseIp(base);
  if (!bytes) return undefined;
  const v4 = !base.includes(":");
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const given = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(given) || Number(given) > max) return undefined;
    bits = Number(given);
  }
  return { bytes, prefix: v4 ? 96 + bits : bits };
}

export function inCidr(address: Uint8Array, cidr: Cidr): boolean {
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (address[i] !== cidr.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[full]! & mask) === (cidr.bytes[full]! & mask);
}

const block = (text: string) => parseCidr(text)!;
export const LOOPBACK = [block("127.0.0.0/8"), block("::1/128")];
export const LINK_LOCAL = [block("169.254.0.0/16"), block("fe80::/10")];
/** 0.0.0.0 and :: reach this machine when connected to (Linux treats them as loopback). */
export const UNSPECIFIED = [block("0.0.0.0/8"), block("::/128")];

export function inAny(address: Uint8Array, blocks: Cidr[]): boolean {
  return blocks.some((cidr) => inCidr(address, cidr));
}

/** A client's remote address (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`) is a loopback one. */
export function isLoopbackAddress(text: string | undefined): boolean {
  // The two a loopback client nearly always has, asked once per accepted connection: no parse.
  if (text === "127.0.0.1" || text === "::1") return true;
  const address = text === undefined ? undefined : parseIp(text);
  return address !== undefined && inAny(address, LOOPBACK);
}

/** A bind address or name that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === "localhost" || isLoopbackAddress(host);
}

/** 16 bytes → canonical text: dotted quad for IPv4-mapped, else RFC 5952 IPv6. */
export function formatIp(bytes: Uint8Array): string {
  if (MAPPED_PREFIX.every((b, i) => bytes[i] === b)) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best === -1) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}
