/**
 * Pure: what the proxy will do with one absolute-form request, decided before any I/O —
 * where it goes, how its body is framed, whether it upgrades or keeps the client connection,
 * and the head it sends upstream. Every refusal is an HttpError(400) thrown from here.
 */
import { HttpError } from "../errors.ts";
import type { Framing } from "./body-framer.ts";
import { clientKeepsAlive, requestFraming } from "./headers.ts";
import { tokens, type RequestHead } from "./http-head.ts";
import { upstreamRequestHead } from "./rewrite.ts";
import { formatTarget, parseHttpUrl, type HttpUrlTarget } from "./target.ts";

export interface RequestPlan {
  target: HttpUrlTarget;
  framing: Framing;
  /** A WebSocket-style upgrade to relay (Connection: upgrade plus Upgrade). */
  upgrade: boolean;
  /** The client connection stays open after this exchange. */
  keepAlive: boolean;
  upstreamHead: string;
  /** The upstream pool's key: `host:port`, or "self" for this proxy's own app. */
  key: string;
}

export function planRequest(head: RequestHead, isSelf: (target: HttpUrlTarget) => boolean): RequestPlan {
  const target = parseHttpUrl(head.target);
  let hosts = 0;
  for (const field of head.headers) if (field.key === "host") hosts++;
  if (hosts > 1) throw new HttpError(400, "bad request: more than one Host field");
  const framing = requestFraming(head);
  const upgrade = tokens(head.headers, "connection").includes("upgrade") && head.headers.some((f) => f.key === "upgrade");
  return {
    target,
    framing,
    upgrade,
    keepAlive: clientKeepsAlive(head) && !upgrade,
    upstreamHead: upstreamRequestHead(head, target, upgrade),
    key: isSelf(target) ? "self" : formatTarget(target),
  };
}

/** The one log line per forwarded request; the query string only when `verbose`. */
export function requestLogLine(
  client: string,
  head: RequestHead,
  target: HttpUrlTarget,
  status: number,
  bytes: number,
  ms: number,
  verbose: boolean,
): string {
  const path = verbose ? target.path : target.path.split("?")[0];
  // 499: the client closed the connection before its answer (nginx's code); it never saw a status.
  const shown = status === 0 ? "aborted" : status === 499 ? "499 client closed the connection," : String(status);
  return `${client} ${head.method} ${formatTarget(target)}${path} ${shown} ${bytes} B ${Math.round(ms)} ms`;
}
