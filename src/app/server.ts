/**
 * The internal HTTP app: a Bun.serve on a unix socket that only the front talks to. It gets
 * every origin-form request (`GET /healthz`, `/sse`, `/messages`, `/mcp`); the route table
 * is below and HttpError becomes a response in one place.
 */
import type { Server } from "bun";
import { HttpError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ResolvedOptions } from "../options.ts";

export interface AppServer {
  server: Server<undefined>;
  stop(): Promise<void>;
}

export function startApp(options: ResolvedOptions, socketPath: string, log: Logger): AppServer {
  const server = Bun.serve({
    unix: socketPath,
    routes: {
      "/healthz": { GET: () => Response.json({ status: "ok" }) },
      "/sse": () => {
        throw new HttpError(
          400,
          "The MCP bridge is off. Start mcp-proxy with --sse CMD ARGS… (for example: mcp-proxy --sse npx -y @modelcontextprotocol/server-everything)",
        );
      },
    },
    fetch: () => textResponse(404, "not found"),
    error: (error) => {
      if (error instanceof HttpError) return textResponse(error.status, error.message);
      log.error("internal error:", error);
      return textResponse(500, "internal error");
    },
  });
  void options;
  return {
    server,
    stop: () => server.stop(true),
  };
}

export function textResponse(status: number, message: string, headers?: Record<string, string>): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });
}
