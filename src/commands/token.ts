/**
 * `mcp-proxy token [--token-file PATH]`: prints the token the proxy uses, for copy-paste into
 * a client's settings, creating it first when there is none (and saying so on stderr).
 */
import { parseArgs } from "citty";
import { OptionsError } from "../errors.ts";
import { loadToken, type TokenEnv } from "../security/token-file.ts";

const args = {
  "token-file": { type: "string", description: "Read (or create) the token in this file", valueHint: "PATH" },
  help: { type: "boolean", alias: "h", description: "Show this help and exit" },
} as const;

export const usage = `Usage: mcp-proxy token [--token-file PATH]

Prints the token clients send: as the password of the proxy URL (http://user:TOKEN@host:port)
and as "Authorization: Bearer TOKEN" for /mcp and /sse. MCP_PROXY_TOKEN wins when it is set;
otherwise the token file (default: $XDG_CONFIG_HOME/mcp-proxy/token or ~/.config/mcp-proxy/token)
is read, or created with mode 0600 when it does not exist.
`;

export async function run(argv: string[], env: TokenEnv, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const parsed = parseArgs(argv, args);
  if (parsed.help) {
    out(usage);
    return 0;
  }
  for (const key of Object.keys(parsed)) {
    if (key !== "_" && key !== "help" && key !== "h" && key !== "token-file" && key !== "tokenFile") {
      throw new OptionsError(`unknown flag --${key} (see mcp-proxy token --help)`);
    }
  }
  if (parsed._.length > 0) throw new OptionsError(`unexpected argument "${parsed._[0]}" (see mcp-proxy token --help)`);
  const loaded = loadToken(env, parsed["token-file"]);
  if (loaded.created) err(`Created a new token in ${loaded.source} (mode 0600)\n`);
  else if (loaded.source === "MCP_PROXY_TOKEN") err("(from MCP_PROXY_TOKEN)\n");
  out(`${loaded.token}\n`);
  return 0;
}
