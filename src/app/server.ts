/**
 * The internal HTTP app: Bun.serve on unix sockets that only the front talks to. It gets
 * every origin-form request (`GET /healthz`, `/mcp`, `/sse`, `/messages`); the route table
 * is below and HttpError becomes a response in one place.
 *
 *   /mcp, /sse, /messages ─▶ guard (Host, Origin: 403) ─▶ OPTIONS preflight
 *                          ─▶ bearer token (401; the "bearer" listener only) ─▶ route ─▶ CORS headers
 *   /, /status.json, /metrics ─▶ guard ─▶ bearer token (the "bearer" listener only) ─▶ status
 *
 * Two listeners share one route table and one set of sessions: "open" for clients that need
 * no credentials and "bearer" for the rest. The front knows the client's address and picks
 * the listener when it hands the connection over; after that it no longer reads the bytes
 * (keep-alive), so the listener itself must ask on every request.
 */
import type { Server } from "bun";
import { HttpError, JsonRpcHttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { Sessions } from "../mcp/sessions.ts";
import type { ResolvedOptions } from "../options.ts";
import type { Access } from "../security/access.ts";
import { preflightResponse, withCors } from "./cors.ts";
import { checkGuard, type GuardPolicy } from "./guard.ts";
import { handleMcp } from "./mcp-route.ts";
import { handleMessages } from "./messages-route.ts";
import { handleSse } from "./sse-route.ts";
import { BridgeStats } from "../status/bridge-stats.ts";
import type { BridgedServer, StatusSources } from "../status/sources.ts";
import { handleStatus, type StatusRoute } from "./status-routes.ts";

/** What the status routes need from outside the app; the app adds its bridged servers. */
export type ProxyStatus = Omit<StatusSources, "bridges">;

export interface AppSockets {
  /** For clients that need no credentials; undefined with --auth always. */
  open: string | undefined;
  /** For clients that must send `Authorization: Bearer <token>`; undefined with --auth off. */
  bearer: string | undefined;
}

export interface AppServer {
  servers: Server<undefined>[];
  /** The MCP bridge's sessions; undefined when started without --sse. */
  sessions: Sessions | undefined;
  /** Every bridged server, for the status routes. */
  bridges(): BridgedServer[];
  /** Stops every session's child, then the server. */
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
  "The MCP bridge is off. Start mcp-proxy with --sse CMD ARGS… (for example: mcp-proxy --sse npx -y @modelcontextprotocol/server-everything)";

/** `publicPort` is the front's bound port, which the Host check compares against. */
export function startApp(
  options: ResolvedOptions,
  sockets: AppSockets,
  log: Logger,
  publicPort: () => number,
  access: Access,
  status: ProxyStatus,
): AppServer {
  const stats = new BridgeStats();
  const sessions = options.sse
    ? new Sessions({
        argv: options.sse,
        env: options.childEnv,
        keepaliveMs: options.keepaliveMs,
        idleMs: options.sessionIdleMs,
        killTimeoutMs: options.killTimeoutMs,
        maxSessions: options.maxSessions,
        maxLineBytes: MAX_STDOUT_LINE,
        log: log.withTag("mcp"),
        stats,
      })
    : undefined;
  const policy: GuardPolicy = { port: publicPort, allowHosts: options.allowHosts, allowOrigins: options.allowOrigins };
  const bridged: BridgedServer[] =
    sessions && options.sse ? [{ name: "default", command: options.sse, routes: { mcp: "/mcp", sse: "/sse" }, sessions, stats }] : [];
  const sources: StatusSources = { ...status, bridges: () => bridged };

  const serve = (unix: string, bearer: boolean): Server<undefined> => {
    const bridge = (req: Request, policy: GuardPolicy, route: () => Response | Promise<Response>) =>
      guarded(req, policy, bearer ? access : undefined, route);
    const statusRoute = (route: StatusRoute) => (req: Request) =>
      handleStatus(req, route, sources, policy, bearer ? () => bearerRefusal(req, access) : undefined);
    return Bun.serve({
      unix,
      ...noIdleTimeout,
      routes: {
        "/healthz": { GET: () => Response.json({ status: "ok" }) },
        "/": statusRoute("page"),
        "/status.json": statusRoute("json"),
        "/metrics": statusRoute("metrics"),
        "/mcp": (req) => {
          if (!sessions) throw new HttpError(400, bridgeOff);
          return bridge(req, policy, () => handleMcp(req, sessions, { maxBodyBytes: options.maxBodyBytes, jsonResponse: options.jsonResponse }));
        },
        "/sse": (req) => {
          if (!sessions) throw new HttpError(400, bridgeOff);
          return bridge(req, policy, () => {
            if (req.method !== "GET") return textResponse(405, "method not allowed: use GET /sse", { Allow: "GET" });
            return handleSse(req, sessions);
          });
        },
        "/messages": (req) => {
          if (!sessions) throw new HttpError(400, bridgeOff);
          return bridge(req, policy, () => {
            if (req.method !== "POST") return textResponse(405, "method not allowed: use POST /messages", { Allow: "POST" });
            return handleMessages(req, sessions, options.maxBodyBytes);
          });
        },
      },
      fetch: () => textResponse(404, "not found"),
      error: (error) => {
        if (error instanceof HttpError) return textResponse(error.status, error.message);
        log.error("internal error:", error);
        return textResponse(500, "internal error");
      },
    });
  };
  const servers: Server<undefined>[] = [];
  try {
    if (sockets.open) servers.push(serve(sockets.open, false));
    if (sockets.bearer) servers.push(serve(sockets.bearer, true));
  } catch (error) {
    for (const server of servers) void server.stop(true);
    throw error;
  }
  return {
    servers,
    sessions,
    bridges: () => bridged,
    stop: async () => {
      await sessions?.closeAll();
      await Promise.all(servers.map((server) => server.stop(true)));
    },
  };
}

/**
 * Guard, preflight, bearer token (when `access` is given), route, and CORS headers on every
 * answer, errors included. A preflight carries no credentials (Fetch §4.8), so it is answered
 * before the token is asked for; it reveals only the CORS policy.
 */
async function guarded(req: Request, policy: GuardPolicy, access: Access | undefined, route: () => Response | Promise<Response>): Promise<Response> {
  try {
    checkGuard(req, policy);
    if (req.method === "OPTIONS") return preflightResponse(req);
    const refused = access && bearerRefusal(req, access);
    if (refused) return withCors(req, refused);
    return withCors(req, await route());
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    // A 403 from the guard gets no CORS headers: the page must not read why it was refused.
    const res = error instanceof JsonRpcHttpError ? error.response() : textResponse(error.status, error.message);
    return error.status === 403 ? res : withCors(req, res);
  }
}

/** The 401 for a request without the right bearer token; undefined when it has it. */
function bearerRefusal(req: Request, access: Access): Response | undefined {
  const value = req.headers.get("authorization");
  if (access.tokens.bearer(value)) return undefined;
  access.bridgeRefused(new URL(req.url).pathname, value !== null);
  return unauthorized();
}

/** 401 (RFC 6750 §3): the bridge wants `Authorization: Bearer <token>`. */
function unauthorized(): Response {
  return textResponse(401, "unauthorized: send Authorization: Bearer <token> (mcp-proxy token prints it)", {
    "WWW-Authenticate": 'Bearer realm="mcp-proxy"',
  });
}

export function textResponse(status: number, message: string, headers?: Record<string, string>): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });
}
