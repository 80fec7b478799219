/**
 * How every bridge route answers: the guard first, then the preflight, the bearer token (on
 * the "bearer" listener), and the route, with CORS headers on the answer, errors included;
 * and the plain-text body of a short answer.
 *
 *   request ─▶ checkGuard (403) ─▶ OPTIONS: preflight | bearer (401) ─▶ route() ─▶ withCors(answer)
 *   HttpError ─▶ text/plain (JSON-RPC error object on /mcp), CORS headers unless it is a 403
 */
import { HttpError, JsonRpcHttpError } from "../errors.ts";
import type { Access } from "../security/access.ts";
import { preflightResponse, withCors } from "./cors.ts";
import { checkGuard, type GuardPolicy } from "./guard.ts";

/**
 * Guard, preflight, bearer token (when `access` is given), route, and CORS headers on every
 * answer, errors included. A preflight carries no credentials (Fetch §4.8), so it is answered
 * before the token is asked for; it reveals only the CORS policy.
 */
export async function bridge(
  req: Request,
  policy: GuardPolicy,
  access: Access | undefined,
  route: () => Response | Promise<Response>,
): Promise<Response> {
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
export function bearerRefusal(req: Request, access: Access): Response | undefined {
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
