/**
 * The internal HTTP app: a Bun.serve on a unix socket that only the front talks to. It gets
 * every origin-form request (`GET /healthz`, `/mcp`, `/sse`, `/messages`, `/servers/…`); the
 * route table is below and HttpError becomes a response in one place.
 *
 *   /mcp, /sse, /messages (--sse) ─┐
 *   /servers, /servers/<name>/…   ─┴▶ guard (Host, Origin: 403) ─▶ OPTIONS preflight | route ─▶ CORS headers
 */
import type { Server } from "bun";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { SessionBudget, Sessions } from "../mcp/sessions.ts";
import type { ResolvedOptions } from "../options.ts";
import type { NamedServers } from "../servers/named-servers.ts";
import { startNamedServers, type NamedBridge } from "../servers/start-servers.ts";
import type { GuardPolicy } from "./guard.ts";
import { handleMcp } from "./mcp-route.ts";
import { handleMessages } from "./messages-route.ts";
import { bridge, textResponse } from "./respond.ts";
import { serversRoutes } from "./servers-routes.ts";
import { handleSse } from "./sse-route.ts";

export interface AppServer {
  server: Server<undefined>;
  /** The MCP bridge's sessions; undefined when started without --sse. */
  sessions: Sessions | undefined;
  /** The named servers of --config; undefined without it. */
  servers: NamedServers | undefined;
  /** Stops watching the config, stops every session's child, then the server. */
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
export function startApp(options: ResolvedOptions, socketPath: string, log: Logger, publicPort: () => number): AppServer {
  const shared = {
    keepaliveMs: options.keepaliveMs,
    idleMs: options.sessionIdleMs,
    killTimeoutMs: options.killTimeoutMs,
    initTimeoutMs: options.initTimeoutMs,
    maxLineBytes: MAX_STDOUT_LINE,
  };
  // One budget: --max-sessions caps the --sse bridge and every named server together.
  const budget = new SessionBudget(options.maxSessions);
  const named: NamedBridge | undefined = options.config
    ? startNamedServers({ path: options.config, shared, childEnv: options.childEnv, budget, log })
    : undefined;
  const sessions = options.sse
    ? new Sessions({
        ...shared,
        argv: options.sse,
        env: options.childEnv,
        maxSessions: options.maxSessions,
        budget,
        basePath: "",
        log: log.withTag("mcp"),
      })
    : undefined;
  const policy: GuardPolicy = { port: publicPort, allowHosts: options.allowHosts, allowOrigins: options.allowOrigins };
  const mcpOptions = { maxBodyBytes: options.maxBodyBytes, jsonResponse: options.jsonResponse };

  let server: Server<undefined>;
  try {
    server = serve();
  } catch (error) {
    void named?.close();
    throw error;
  }
  return {
    server,
    sessions,
    servers: named?.servers,
    stop: async () => {
      await Promise.all([sessions?.closeAll(), named?.close()]);
      await server.stop(true);
    },
  };

  function serve(): Server<undefined> {
    return Bun.serve({
      unix: socketPath,
      ...noIdleTimeout,
      routes: {
        "/healthz": { GET: () => Response.json({ status: "ok" }) },
        "/mcp": (req) => {
          if (!sessions) throw new HttpError(400, bridgeOff);
          return bridge(req, policy, () => handleMcp(req, sessions, mcpOptions));
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
        ...serversRoutes(named?.servers, { ...mcpOptions, policy }),
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
