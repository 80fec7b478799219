/**
 * The internal HTTP app: a Bun.serve on a unix socket that only the front talks to. It gets
 * every origin-form request (`GET /healthz`, `/mcp`, `/sse`, `/messages`); the route table
 * is below and HttpError becomes a response in one place.
 *
 *   /mcp, /sse, /messages ─▶ guard (Host, Origin: 403) ─▶ OPTIONS preflight | route ─▶ CORS headers
 */
import type { Server } from "bun";
import { HttpError, JsonRpcHttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { Sessions } from "../mcp/sessions.ts";
import type { ResolvedOptions } from "../options.ts";
import { NAME, VERSION } from "../version.ts";
import { preflightResponse, withCors } from "./cors.ts";
import { checkGuard, type GuardPolicy } from "./guard.ts";
import { handleMcp } from "./mcp-route.ts";
import { handleMessages } from "./messages-route.ts";
import { handleSse } from "./sse-route.ts";

export interface AppServer {
  server: Server<undefined>;
  /** The MCP bridge's sessions; undefined when started without --sse. */
  sessions: Sessions | undefined;
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
export function startApp(options: ResolvedOptions, socketPath: string, log: Logger, publicPort: () => number): AppServer {
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
      })
    : undefined;
  const policy: GuardPolicy = { port: publicPort, allowHosts: options.allowHosts, allowOrigins: options.allowOrigins };

  const server: Server<undefined> = Bun.serve({
    unix: socketPath,
    ...noIdleTimeout,
    routes: {
      // Names the program and its version, so `mcp-proxy doctor` can tell us from whatever else holds the port.
      "/healthz": { GET: () => Response.json({ status: "ok", name: NAME, version: VERSION }) },
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
  return {
    server,
    sessions,
    stop: async () => {
      await sessions?.closeAll();
      await server.stop(true);
    },
  };
}

/** Guard, preflight, route, and CORS headers on every answer, errors included. */
async function bridge(req: Request, policy: GuardPolicy, route: () => Response | Promise<Response>): Promise<Response> {
  try {
    checkGuard(req, policy);
    if (req.method === "OPTIONS") return preflightResponse(req);
    return withCors(req, await route());
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    // A 403 from the guard gets no CORS headers: the page must not read why it was refused.
    const res = error instanceof JsonRpcHttpError ? error.response() : textResponse(error.status, error.message);
    return error.status === 403 ? res : withCors(req, res);
  }
}

export function textResponse(status: number, message: string, headers?: Record<string, string>): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });
}
