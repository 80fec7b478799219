/**
 * Who may use the port, and with what: one object per proxy, asked once per connection and
 * once per proxied request.
 *
 *   accept ─admit(address)─▶ refused (--allow-client) → closed at once, logged once a minute
 *                          └▶ Peer { loopback, trusted }
 *   trusted peer   (--auth off, or loopback under loopback-free) → no credentials asked
 *   untrusted peer → Proxy-Authorization: Basic for proxying, Authorization: Bearer for the app
 */
import type { Logger } from "../log.ts";
import { inAny, isLoopbackAddress, parseIp, type Cidr } from "./address.ts";
import { TokenCheck } from "./credentials.ts";
import { DestinationGuard, type Resolver } from "./destination.ts";
import type { DestRules } from "./dest-rules.ts";
import { LogLimiter } from "./log-limiter.ts";

export type AuthMode = "loopback-free" | "always" | "off";

export interface AccessOptions {
  auth: AuthMode;
  token: string | undefined;
  allowClients: Cidr[];
  destRules: DestRules;
  resolver: Resolver;
}

/** One client connection's standing, decided when it is accepted. */
export interface Peer {
  /** As Bun reports it: `127.0.0.1`, `::1`, `::ffff:10.0.0.5`. */
  address: string;
  loopback: boolean;
  /** Needs no credentials. */
  trusted: boolean;
}

export class Access {
  readonly tokens: TokenCheck;
  readonly destinations: DestinationGuard;
  private readonly refused: LogLimiter;
  private readonly failed: LogLimiter;

  constructor(
    private readonly options: AccessOptions,
    log: Logger,
  ) {
    this.tokens = new TokenCheck(options.token);
    this.destinations = new DestinationGuard(options.destRules, options.resolver);
    this.refused = new LogLimiter((line) => log.warn(line));
    this.failed = new LogLimiter((line) => log.warn(line));
  }

  /** The peer's standing, or undefined when --allow-client keeps it out. */
  admit(address: string | undefined): Peer | undefined {
    const text = address ?? "";
    const loopback = isLoopbackAddress(text);
    if (!loopback && !clientAllowed(text, this.options.allowClients)) {
      this.refused.note(`client ${text}`, `${text} - connection refused: not loopback and not in --allow-client`);
      return undefined;
    }
    const { auth } = this.options;
    return { address: text, loopback, trusted: auth === "off" || (auth === "loopback-free" && loopback) };
  }

  /** Checks a proxied request's Proxy-Authorization; a failure is logged (never the credential). */
  proxyAuthorized(peer: Peer, value: string | undefined): boolean {
    if (peer.trusted || this.tokens.basic(value)) return true;
    const why = value === undefined ? "no Proxy-Authorization" : "wrong Proxy-Authorization";
    this.failed.note(`proxy ${peer.address}`, `${peer.address} - 407 proxy authentication failed (${why})`);
    return false;
  }

  /** The app refused a request without a valid bearer token (the app does not see the address). */
  bridgeRefused(path: string, present: boolean): void {
    const why = present ? "wrong bearer token" : "no bearer token";
    this.failed.note(`bridge ${why}`, `${path} - 401 authentication failed (${why})`);
  }
}

/** No --allow-client: every address may connect (credentials are asked later). */
export function clientAllowed(address: string, allowClients: Cidr[]): boolean {
  if (allowClients.length === 0) return true;
  const parsed = parseIp(address);
  return parsed !== undefined && inAny(parsed, allowClients);
}
