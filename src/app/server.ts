/**
 * The internal HTTP app: Bun.serve on unix sockets that only the front talks to. It gets
 * every origin-form request (`GET /healthz`, the status routes, `/mcp`, `/sse`, `/messages`,
 * `/servers/…`); the route table is below and HttpError becomes a response in one place.
 *
 *   /mcp, /sse, /messages (--sse) ─┐
 *   /servers, /servers/<name>/…   ─┴▶ guard (Host, Origin: 403) ─▶ OPTIONS preflight
 *                                    ─▶ bearer token (401; the "bearer" listener only) ─▶ route ─▶ CORS headers
 *   /, /status.json, /metrics ─▶ guard ─▶ bearer token (the "bearer" listener only) ─▶ status
 *
 * Two listeners share one route table and one set of sessions: "open" for clients that need
 * no credentials and "bearer" for the rest. The front knows the client's address and picks
 * the listener when it hands the connection over; after that it no longer reads the bytes
 * (keep-alive), so the listener itself must ask on every request.
 */
import type { Server } from "bun";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { SessionBudget, Sessions } from "../mcp/sessions.ts";
import type { ResolvedOptions } from "../options.ts";
import type { Access } from "../security/access.ts";
import { NAME, VERSION } from "../version.ts";
import type { NamedServers } from "../servers/named-servers.ts";
import { startNamedServers, type NamedBridge } from "../servers/start-servers.ts";
import { BridgeStats } from "../status/bridge-stats.ts";
import type { BridgedServer, StatusSources } from "../status/sources.ts";
import type { GuardPolicy } from "./guard.ts";
import { handleMcp } from "./mcp-route.ts";
import { handleMessages } from "./messages-route.ts";
import { bearerRefusal, bridge, textResponse } from "./respond.ts";
import { serversRoutes } from "./servers-routes.ts";
import { handleSse } from "./sse-route.ts";
import { handleStatus, type StatusRoute } from "./status-routes.ts";

export interface AppSockets {
  /** For clients that need no credentials; undefined with --auth always. */
  open: string | undefined;
  /** For clients that must send `Authorization: Bearer <token>`; undefined with --auth off. */
  bearer: string | undefined;
}

/** What the status routes need from outside the app; the app adds its bridged servers. */
export type ProxyStatus = Omit<StatusSources, "bridges">;

export interface AppServer {
  listeners: Server<undefined>[];
  /** The MCP bridge's sessions; undefined when started without --sse. */
  sessions: Sessions | undefined;
  /** The named servers of --config; undefined without it. */
  servers: NamedServers | undefined;
  /** Every bridged server, for the status routes. */
  bridges(): BridgedServer[];
  /** Stops watching the config, stops every session's child, then the listeners. */
  stop(): Promise<void>;
}

/**
 * No idle timeout: a quiet event stream, or a request whose tool runs for minutes, is not a
 * dead connection. Bun's default (10 s) would cut them, and on a unix socket Bun ignores the
 * per-request server.timeout(req, 0) (measured with Bun 1.4.5; over TCP it works). Bun's
 * typings allow idleTimeout only beside hostname/port, but it honours it on a unix socket too.
 */
const noIdleTimeout = { idleTimeout: 0 } as {};

/** A stdout line longer than this ends its session (the SDK's ReadBuffer caps at 10 MiB). */
export const MAX_STDOUT_LINE = 16 * 1024 * 1024;

const bridgeOff =
  "The MCP bridge is off. Start mcp-proxy with --sse CMD ARGS… (for example: mcp-proxy --sse npx -y @modelcontextprotocol/server-everything), or --config FILE for /servers/<name>/mcp";

/**
 * `publicPort` is the front's bound port, which the Host check compares against. Throws
 * OptionsError when the --config file cannot be used (nothing is started then).
 */
export function startApp(
  options: ResolvedOptions,
  sockets: AppSockets,
  log: Logger,
  publicPort: () => number,
  access: Access,
  status: ProxyStatus,
): AppServer {
  const shared = {
    keepaliveMs: options.keepaliveMs,
    idleMs: options.sessionIdleMs,
    killTimeoutMs: options.killTimeoutMs,
    initTimeoutMs: options.initTimeoutMs,
    maxLineBytes: MAX_STDOUT_LINE,
    stdinBufferBytes: options.stdinBufferBytes,
    stdinStallMs: options.stdinStallMs,
  };
  // One budget: --max-sessions caps the --sse bridge and every named server together.
  const budget = new SessionBudget(options.maxSessions);
  const named: NamedBridge | undefined = options.config
    ? startNamedServers({ path: options.config, shared, childEnv: options.childEnv, budget, log })
    : undefined;
  const stats = new BridgeStats();
  const sessions = options.sse
    ? new Sessions({
        ...shared,
        argv: options.sse,
        env: options.childEnv,
        maxSessions: options.maxSessions,
        budget,
        basePath: "",
        log: log.withTag("mcp"),
        stats,
      })
    : undefined;
  const policy: GuardPolicy = { port: publicPort, allowHosts: options.allowHosts, allowOrigins: options.allowOrigins };
  const mcpOptions = { maxBodyBytes: options.maxBodyBytes, jsonResponse: options.jsonResponse };
  const unnamed: BridgedServer[] =
    sessions && options.sse ? [{ name: "default", command: options.sse, routes: { mcp: "/mcp", sse: "/sse" }, sessions, stats }] : [];
  const bridges = () => [...unnamed, ...(named?.servers.bridged() ?? [])];
  const sources: StatusSources = { ...status, bridges };

  const listeners: Server<undefined>[] = [];
  try {
    if (sockets.open) listeners.push(serve(sockets.open, undefined));
    if (sockets.bearer) listeners.push(serve(sockets.bearer, access));
  } catch (error) {
    for (const listener of listeners) void listener.stop(true);
    void named?.close();
    throw error;
  }
  return {
    listeners,
    sessions,
    servers: named?.servers,
    bridges,
    stop: async () => {
      await Promise.all([sessions?.closeAll(), named?.close()]);
      await Promise.all(listeners.map((listener) => listener.stop(true)));
    },
  };

  /** One listener; `bearer` given: every request must carry its token. */
  function serve(unix: string, bearer: Access | undefined): Server<undefined> {
    const guarded = (req: Request, route: () => Response | Promise<Response>) => bridge(req, policy, bearer, route);
    const statusRoute = (route: StatusRoute) => (req: Request) =>
      handleStatus(req, route, sources, policy, bearer ? () => bearerRefusal(req, bearer) : undefined);
    return Bun.serve({
      unix,
      ...noIdleTimeout,
      routes: {
        // Names the program and its version, so `mcp-proxy doctor` can tell us from whatever else holds the port.
        "/healthz": { GET: () => Response.json({ status: "ok", name: NAME, version: VERSION }) },
        "/": statusRoute("page"),
        "/status.json": statusRoute("json"),
        "/metrics": statusRoute("metrics"),
        "/mcp": (req) => {
          if (!sessions) throw new HttpError(400, bridgeOff);
          return guarded(req, () => handleMcp(req, sessions, mcpOptions));
        },
        "/sse": (req) => {
          if (!sessions) throw new HttpError(400, bridgeOff);
          return guarded(req, () => {
            if (req.method !== "GET") return textResponse(405, "method not allowed: use GET /sse", { Allow: "GET" });
            return handleSse(req, sessions);
          });
        },
        "/messages": (req) => {
          if (!sessions) throw new HttpError(400, bridgeOff);
          return guarded(req, () => {
            if (req.method !== "POST") return textResponse(405, "method not allowed: use POST /messages", { Allow: "POST" });
            return handleMessages(req, sessions, options.maxBodyBytes);
          });
        },
        ...serversRoutes(named?.servers, { ...mcpOptions, policy, access: bearer }),
      },
      fetch: () => textResponse(404, "not found"),
      error: (error) => {
        if (error instanceof HttpError) return textResponse(error.status, error.message);
        log.error("internal error:", error);
        return textResponse(500, "internal error");
      },
    });
  }
}
