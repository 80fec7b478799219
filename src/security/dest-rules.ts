/**
 * Pure: may a request go to this destination? Decided on the requested name and on every
 * address it resolved to, so a name that resolves to a refused address is refused too.
 *
 *   --deny-dest matches the name or any address      → refused (deny wins)
 *   --allow-dest given, and none matches              → refused
 *   non-loopback client, not explicitly allowed, any address loopback / link-local /
 *     unspecified / this machine's own                → refused, naming the rule
 *   otherwise                                         → allowed
 *
 * A rule is a host name (`api.example.com`), a suffix (`*.example.com`: its subdomains, not
 * the name itself), or an address block (`10.0.0.0/8`, `::1`, `192.168.1.5`).
 */
import { OptionsError } from "../errors.ts";
import { formatIp, inAny, inCidr, LINK_LOCAL, LOOPBACK, parseCidr, UNSPECIFIED, type Cidr } from "./address.ts";

export type DestRule =
  | { kind: "host"; name: string; text: string }
  | { kind: "suffix"; suffix: string; text: string }
  | { kind: "cidr"; cidr: Cidr; text: string };

export interface DestRules {
  allow: DestRule[];
  deny: DestRule[];
}

export interface DestQuery {
  /** The requested host, lower-case, as the client named it. */
  host: string;
  /** Every address it resolved to (an address literal resolves to itself). */
  addresses: Uint8Array[];
  /** The client connected from a loopback address. */
  clientLoopback: boolean;
  /** This machine's own addresses. */
  own: Uint8Array[];
}

export type Verdict = { allowed: true } | { allowed: false; rule: string };

const hostName = /^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$/;

/** `--allow-dest` / `--deny-dest` text → a rule; OptionsError names the flag. */
export function parseDestRule(flag: string, text: string): DestRule {
  const value = text.trim().toLowerCase().replace(/\.$/, "");
  const cidr = parseCidr(value);
  if (cidr) return { kind: "cidr", cidr, text };
  if (value.startsWith("*.") && hostName.test(value.slice(2))) return { kind: "suffix", suffix: value.slice(1), text };
  if (hostName.test(value) && !value.includes("/")) return { kind: "host", name: value, text };
  throw new OptionsError(`invalid ${flag} "${text}": expected a host name, *.suffix, or an address block such as 10.0.0.0/8`);
}

/** Rules that could refuse or allow this client's requests: without any, no lookup is needed. */
export function rulesApply(rules: DestRules, clientLoopback: boolean): boolean {
  return !clientLoopback || rules.allow.length > 0 || rules.deny.length > 0;
}

function nameMatches(rule: DestRule, host: string): boolean {
  if (rule.kind === "host") return rule.name === host;
  if (rule.kind === "suffix") return host.endsWith(rule.suffix) && host.length > rule.suffix.length;
  return false;
}

function addressMatches(rule: DestRule, address: Uint8Array): boolean {
  return rule.kind === "cidr" && inCidr(address, rule.cidr);
}

export function destinationVerdict(rules: DestRules, query: DestQuery): Verdict {
  const host = query.host.toLowerCase().replace(/\.$/, "");
  for (const rule of rules.deny) {
    if (nameMatches(rule, host)) return { allowed: false, rule: `--deny-dest ${rule.text}` };
    const hit = query.addresses.find((address) => addressMatches(rule, address));
    if (hit) return { allowed: false, rule: `--deny-dest ${rule.text} (${host} is ${formatIp(hit)})` };
  }
  // Allowed by name, or every address inside some allowed block.
  const explicit =
    rules.allow.some((rule) => nameMatches(rule, host)) ||
    (query.addresses.length > 0 && query.addresses.every((address) => rules.allow.some((rule) => addressMatches(rule, address))));
  if (rules.allow.length > 0 && !explicit) return { allowed: false, rule: `not in --allow-dest` };
  if (query.clientLoopback || explicit) return { allowed: true };
  for (const address of query.addresses) {
    const shown = formatIp(address);
    if (inAny(address, LOOPBACK)) return { allowed: false, rule: `remote clients may not reach loopback (${shown})` };
    if (inAny(address, LINK_LOCAL)) return { allowed: false, rule: `remote clients may not reach link-local addresses (${shown})` };
    if (inAny(address, UNSPECIFIED)) return { allowed: false, rule: `remote clients may not reach this host (${shown})` };
    if (query.own.some((own) => own.every((b, i) => b === address[i]))) {
      return { allowed: false, rule: `remote clients may not reach this machine's own address (${shown})` };
    }
  }
  return { allowed: true };
}
