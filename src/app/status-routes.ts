/**
 * GET /, /status.json, /metrics: what flows through the proxy and the bridge, for a person
 * (the page), a script (JSON) and Prometheus. Behind the same Host/Origin guard as the bridge,
 * since they show traffic a web page must not read through DNS rebinding; never cached.
 *
 *   request ─▶ guard (403) ─▶ bearer token (401, when asked) ─▶ GET/HEAD only (405)
 *           ─▶ page │ snapshot JSON │ exposition text
 */
import { HttpError } from "../errors.ts";
import { METRICS_CONTENT_TYPE, renderMetrics } from "../status/metrics.ts";
import { STATUS_PAGE } from "../status/page.ts";
import { statusSnapshot } from "../status/snapshot.ts";
import type { StatusSources } from "../status/sources.ts";
import { checkGuard, type GuardPolicy } from "./guard.ts";

const noStore = { "Cache-Control": "no-store" };
/** The page needs its own inline script and style and same-origin fetches; nothing else. */
const pagePolicy =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export type StatusRoute = "page" | "json" | "metrics";

/** `authorize` answers a request without the right credentials (401), or undefined to let it pass. */
export function handleStatus(
  req: Request,
  route: StatusRoute,
  sources: StatusSources,
  policy: GuardPolicy,
  authorize?: () => Response | undefined,
): Response {
  try {
    checkGuard(req, policy);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return new Response(`${error.message}\n`, { status: error.status, headers: { "Content-Type": "text/plain; charset=utf-8", ...noStore } });
  }
  const refused = authorize?.();
  if (refused) {
    refused.headers.set("Cache-Control", "no-store");
    return refused;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    return new Response("method not allowed: use GET\n", { status: 405, headers: { Allow: "GET, HEAD", ...noStore } });
  }
  switch (route) {
    case "page":
      return new Response(STATUS_PAGE, {
        headers: { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": pagePolicy, "X-Content-Type-Options": "nosniff", ...noStore },
      });
    case "json":
      return Response.json(statusSnapshot(sources), { headers: noStore });
    case "metrics":
      return new Response(renderMetrics(sources), { headers: { "Content-Type": METRICS_CONTENT_TYPE, ...noStore } });
  }
}
