/**
 * How every bridge route answers: the guard first, then the preflight or the route, with CORS
 * headers on the answer, errors included; and the plain-text body of a short answer.
 *
 *   request ─▶ checkGuard (403) ─▶ OPTIONS: preflight | route() ─▶ withCors(answer)
 *   HttpError ─▶ text/plain (JSON-RPC error object on /mcp), CORS headers unless it is a 403
 */
import { HttpError, JsonRpcHttpError } from "../errors.ts";
import { preflightResponse, withCors } from "./cors.ts";
import { checkGuard, type GuardPolicy } from "./guard.ts";

/** Guard, preflight, route, and CORS headers on every answer, errors included. */
export async function bridge(req: Request, policy: GuardPolicy, route: () => Response | Promise<Response>): Promise<Response> {
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
