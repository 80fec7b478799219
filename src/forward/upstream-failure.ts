/**
 * What a proxied request answers when its upstream could not be had, for CONNECT tunnels and
 * forwarded requests alike:
 *
 *   HttpError (a destination rule said no) ─▶ its own status, outcome "rejected": our policy,
 *                                             not a failing target
 *   anything else ─▶ 502, or 504 for a timeout; counted against the target on the status page
 */
import { describeErrno, HttpError, statusForErrno } from "../errors.ts";
import type { Outcome, Traffic } from "../status/traffic.ts";

export interface UpstreamFailure {
  status: number;
  /** The answer's text. */
  message: string;
  outcome: Outcome;
}

/** `cause`: how the failure reads in the answer (default: the errno described). */
export function upstreamFailure(traffic: Traffic, name: string, error: unknown, cause = describeErrno(error)): UpstreamFailure {
  if (error instanceof HttpError) return { status: error.status, message: error.message, outcome: "rejected" };
  traffic.failed(name, error);
  const status = statusForErrno(error);
  return { status, message: `cannot reach ${name}: ${cause}`, outcome: status === 504 ? "timeout" : "unreachable" };
}
