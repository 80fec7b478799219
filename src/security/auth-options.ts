/**
 * Who may use the port, resolved from ProxyOptions: the auth mode, the token's length, the
 * client and destination rules, and the refusal to start an open proxy by accident.
 *
 *   --auth, --token… , --allow-client, --allow/deny-dest, --open-proxy ─▶ ResolvedAuth │ OptionsError
 */
import { OptionsError } from "../errors.ts";
import { printable } from "../printable.ts";
import type { AuthMode } from "./access.ts";
import { isLoopbackHost, parseCidr, type Cidr } from "./address.ts";
import { parseDestRule, type DestRule } from "./dest-rules.ts";
import { systemResolver, type Resolver } from "./destination.ts";

/** Shortest token accepted: 16 characters of a random token are already ~96 bits. */
export const MIN_TOKEN_LENGTH = 16;
const authModes: readonly AuthMode[] = ["loopback-free", "always", "off"];

/** The ProxyOptions fields that say who may use the port. */
export interface AuthInput {
  /**
   * Who must authenticate: `loopback-free` asks every client but loopback ones, `always` asks
   * loopback clients too (a shared machine), `off` asks nobody. @default "loopback-free"
   */
  auth?: AuthMode;
  /**
   * The secret clients present: `Authorization: Bearer <token>` to the bridge, `user:<token>`
   * as proxy credentials. At least 16 characters. @default undefined (no client can
   * authenticate, so only those that need no credentials get in)
   */
  token?: string;
  /** Where the token came from, for the banner (a path or a variable name, never the token). @default undefined */
  tokenSource?: string;
  /** Address blocks (`172.17.0.0/16`, `192.168.1.5`) of the non-loopback clients that may connect at all. @default [] (any) */
  allowClients?: string[];
  /** Destinations (host, `*.suffix` or address block) proxied requests may reach; when given, only these. @default [] */
  allowDests?: string[];
  /** Destinations (host, `*.suffix` or address block) proxied requests may never reach; wins over allowDests. @default [] */
  denyDests?: string[];
  /** Start even when a non-loopback host, auth off and no allowClients make an open proxy. @default false */
  openProxy?: boolean;
  /** Resolves a destination name to its addresses when a destination rule applies. @default dns.promises.lookup (all addresses) */
  resolver?: Resolver;
}

export interface ResolvedAuth {
  auth: AuthMode;
  token: string | undefined;
  tokenSource: string | undefined;
  allowClients: Cidr[];
  allowDests: DestRule[];
  denyDests: DestRule[];
  openProxy: boolean;
  resolver: Resolver;
}

/** `--auth` as typed → a mode (checked before the CLI looks for a token file). */
export function parseAuthMode(text: string): AuthMode {
  if (!(authModes as readonly string[]).includes(text)) throw new OptionsError(`invalid --auth "${printable(text)}": expected loopback-free, always or off`);
  return text as AuthMode;
}

/** The defaults (`loopback-free`, no rules) and the checks; `host` and `port` are the bind's. */
export function resolveAuth(options: AuthInput, host: string, port: number): ResolvedAuth {
  const auth = parseAuthMode(options.auth ?? "loopback-free");
  if (options.token !== undefined && options.token.length < MIN_TOKEN_LENGTH) {
    throw new OptionsError(`the token is too short (${options.token.length} characters; at least ${MIN_TOKEN_LENGTH}): \`mcp-proxy token\` makes a good one`);
  }
  const allowClients = (options.allowClients ?? []).map((text) => {
    const cidr = parseCidr(text.trim());
    if (!cidr) throw new OptionsError(`invalid --allow-client "${printable(text)}": expected an address or block such as 172.17.0.0/16`);
    return cidr;
  });
  const openProxy = options.openProxy ?? false;
  if (!isLoopbackHost(host) && auth === "off" && allowClients.length === 0 && !openProxy) {
    throw new OptionsError(
      `refusing to start an open proxy: --host ${host} with --auth off lets anyone who can reach port ${port} ` +
        "use the proxy and run the bridged MCP servers. Drop --auth off (clients then need the token), " +
        "or limit who may connect with --allow-client CIDR, or pass --open-proxy if that is really what you want.",
    );
  }
  return {
    auth,
    token: options.token,
    tokenSource: options.tokenSource,
    allowClients,
    allowDests: (options.allowDests ?? []).map((text) => parseDestRule("--allow-dest", text)),
    denyDests: (options.denyDests ?? []).map((text) => parseDestRule("--deny-dest", text)),
    openProxy,
    resolver: options.resolver ?? systemResolver,
  };
}
