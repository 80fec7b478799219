/**
 * Resolves and checks a destination before the proxy connects to it, and hands back the
 * address it checked: connecting to the name again would let a second DNS answer (DNS
 * rebinding) reach an address nobody checked.
 *
 *   host ─literal?─▶ itself │ name ─resolver─▶ every address ─destinationVerdict─▶ 403 │ first address
 */
import { lookup } from "node:dns/promises";
import { networkInterfaces } from "node:os";
import { HttpError } from "../errors.ts";
import { parseIp } from "./address.ts";
import { destinationVerdict, rulesApply, type DestRules } from "./dest-rules.ts";

/** A name → its addresses (text). Injectable so tests never need a real DNS answer. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** How long the list of this machine's own addresses is reused before it is read again. */
const OWN_TTL_MS = 10_000;

export class DestinationGuard {
  private own: { at: number; addresses: Uint8Array[] } | undefined;

  constructor(
    readonly rules: DestRules,
    private readonly resolve: Resolver,
    private readonly interfaces: () => string[] = ownInterfaceAddresses,
  ) {}

  /** Whether a request from this client needs the check at all (else: today's path, no lookup). */
  applies(clientLoopback: boolean): boolean {
    return rulesApply(this.rules, clientLoopback);
  }

  /** The address to connect to, or HttpError(403) naming the rule that refused it. */
  async check(host: string, clientLoopback: boolean): Promise<string> {
    const literal = parseIp(host);
    const texts = literal ? [host] : await this.resolve(host);
    const addresses = texts.map((text) => parseIp(text)).filter((a): a is Uint8Array => a !== undefined);
    if (addresses.length === 0) throw Object.assign(new Error(`${host}: no address`), { code: "ENOTFOUND" });
    const verdict = destinationVerdict(this.rules, { host, addresses, clientLoopback, own: this.ownAddresses() });
    if (!verdict.allowed) throw new HttpError(403, `forbidden: ${host} is refused by the destination rules: ${verdict.rule}`);
    return texts[0]!;
  }

  private ownAddresses(): Uint8Array[] {
    const now = performance.now();
    if (!this.own || now - this.own.at > OWN_TTL_MS) {
      const addresses = this.interfaces().map((text) => parseIp(text)).filter((a): a is Uint8Array => a !== undefined);
      this.own = { at: now, addresses };
    }
    return this.own.addresses;
  }
}

function ownInterfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address));
}
