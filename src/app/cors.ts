/**
 * CORS for the bridge routes (Fetch standard §3.2). The guard has already refused foreign
 * origins with 403, so whatever origin reaches here is allowed: it is echoed back (never a bare
 * `*`, so the answer stays right even for credentialed requests) with `Vary: Origin`.
 */

// DELETE is how a Streamable HTTP client ends its /mcp session.
export const ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS";
export const ALLOWED_HEADERS = "Content-Type, Authorization, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID";
/** Browsers cache a preflight this long (seconds); Chromium caps it at 7200. */
const MAX_AGE = "600";

/** The answer to an OPTIONS preflight from an allowed origin. */
export function preflightResponse(req: Request): Response {
  return withCors(req, new Response(null, {
    status: 204,
    headers: {
      "Access-Control-Allow-Methods": ALLOWED_METHODS,
      "Access-Control-Allow-Headers": ALLOWED_HEADERS,
      "Access-Control-Max-Age": MAX_AGE,
    },
  }));
}

/** Adds the headers that let a page from the request's origin read the response. */
export function withCors(req: Request, res: Response): Response {
  const origin = req.headers.get("origin");
  res.headers.append("Vary", "Origin");
  if (origin === null) return res;
  res.headers.set("Access-Control-Allow-Origin", origin);
  res.headers.set("Access-Control-Expose-Headers", "Mcp-Session-Id");
  return res;
}
