/**
 * What a proxied request answers when its upstream could not be had, for CONNECT tunnels and
 * forwarded requests alike:
 *
 *   HttpError (a destination rule said no) ─▶ its own status, outcome "rejected": our policy,
 *                                             not a failing target
 *   refused while the process is out of fds ─▶ 503: the shortage is ours, not the target's
 *   anything else ─▶ 502, or 504 for a timeout; counted against the target on the status page
 */
import { describeErrno, errnoCode, HttpError, statusForErrno } from "../errors.ts";
import { outOfFds } from "../fd-limit.ts";
import type { Outcome, Traffic } from "../status/traffic.ts";

export interface UpstreamFailure {
  status: number;
  /** The answer's text. */
  message: string;
  outcome: Outcome;
  /** For the log: why the upstream could not be had. */
  cause: string;
}

export const OUT_OF_FDS = "the proxy is out of file descriptors; try again shortly";

/** `cause`: how the failure reads in the answer (default: the errno described); `exhausted`: whether the process is out of fds. */
export function upstreamFailure(traffic: Traffic, name: string, error: unknown, cause = describeErrno(error), exhausted = outOfFds): UpstreamFailure {
  if (error instanceof HttpError) return { status: error.status, message: error.message, outcome: "rejected", cause: error.message };
  if (errnoCode(error) === "ECONNREFUSED" && exhausted()) {
    return { status: 503, message: OUT_OF_FDS, outcome: "unreachable", cause: `out of file descriptors (the connect to ${name} reported ${cause})` };
  }
  traffic.failed(name, error);
  const status = statusForErrno(error);
  return { status, message: `cannot reach ${name}: ${cause}`, outcome: status === 504 ? "timeout" : "unreachable", cause };
}
