/**
 * The named servers of --config, each a bridge of its own under /servers/<name>/, and the list.
 *
 *   GET /servers                    ─▶ {"servers": [{name, mcp, sse, enabled, sessions}, …]}
 *   /servers/<name>/mcp | sse | messages ─▶ the same handlers as /mcp, /sse, /messages, with
 *                                      that server's sessions (its /sse endpoint event names
 *                                      /servers/<name>/messages)
 *   a name not bridged              ─▶ 404, plain text listing the names that are
 *
 * Every route goes through bridge(): the Host/Origin guard protects the list as well.
 */
import type { BunRequest } from "bun";
import { HttpError } from "../errors.ts";
import type { SessionTable } from "../mcp/sessions.ts";
import type { Access } from "../security/access.ts";
import type { NamedServers } from "../servers/named-servers.ts";
import type { GuardPolicy } from "./guard.ts";
import { handleMcp, type McpRouteOptions } from "./mcp-route.ts";
import { handleMessages } from "./messages-route.ts";
import { bridge, textResponse } from "./respond.ts";
import { handleSse } from "./sse-route.ts";

export interface ServersRouteOptions extends McpRouteOptions {
  policy: GuardPolicy;
  /** Given on the "bearer" listener: every request must carry the token. */
  access: Access | undefined;
}

type Route = (req: BunRequest<string>) => Promise<Response>;

export function serversRoutes(servers: NamedServers | undefined, options: ServersRouteOptions): Record<string, Route> {
  const { policy, access } = options;
  const named = (req: BunRequest<string>, route: (table: SessionTable) => Response | Promise<Response>) =>
    bridge(req, policy, access, () => route(lookup(servers, (req.params as { name: string }).name)));
  return {
    "/servers": (req) =>
      bridge(req, policy, access, () => {
        if (req.method !== "GET") return textResponse(405, "method not allowed: use GET /servers", { Allow: "GET" });
        return Response.json({ servers: list(servers, req) });
      }),
    "/servers/:name/mcp": (req) => named(req, (table) => handleMcp(req, table, options)),
    "/servers/:name/sse": (req) =>
      named(req, (table) => {
        if (req.method !== "GET") return textResponse(405, "method not allowed: use GET", { Allow: "GET" });
        return handleSse(req, table);
      }),
    "/servers/:name/messages": (req) =>
      named(req, (table) => {
        if (req.method !== "POST") return textResponse(405, "method not allowed: use POST", { Allow: "POST" });
        return handleMessages(req, table, options.maxBodyBytes);
      }),
  };
}

function lookup(servers: NamedServers | undefined, name: string): SessionTable {
  const table = servers?.table(name);
  if (table) return table;
  if (!servers) throw new HttpError(404, "no named servers: start mcp-proxy with --config FILE (a Claude-style mcpServers file)");
  const skipped = servers.skipReason(name);
  if (skipped) throw new HttpError(404, `server "${name}" is not bridged: ${skipped}`);
  const known = servers.names();
  // `name` is a route parameter: shown escaped, never raw.
  const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
  throw new HttpError(404, `unknown server ${shown}; ${known.length ? `known servers: ${known.join(", ")}` : "no servers are bridged"}`);
}

/** The list with absolute URLs on the Host the client used (the guard has vetted it). */
function list(servers: NamedServers | undefined, req: Request) {
  const base = `http://${req.headers.get("host")}`;
  return (servers?.list() ?? []).map((status) => ({
    name: status.name,
    mcp: `${base}/servers/${status.name}/mcp`,
    sse: `${base}/servers/${status.name}/sse`,
    enabled: status.enabled,
    ...(status.skipped ? { skipped: status.skipped } : {}),
    sessions: status.sessions,
  }));
}
