/**
 * The open-file limit and the default --max-connections it allows (front/connection-cap.ts
 * enforces it). Linux reads /proc/self/limits; elsewhere a fallback is assumed.
 */
import { readdirSync, readFileSync } from "node:fs";

/** File descriptors one client connection may hold: on the app path the client, the front's end and the app's end. */
export const FDS_PER_CONNECTION = 3;
/** Kept free for the listeners, logs, the upstream pool, status and everything else of ours. */
const RESERVED_FDS = 128;
/** A bridge child costs its three pipes and a process handle. */
const FDS_PER_SESSION = 4;
/** Assumed when the limit cannot be read (not Linux): Bun raises its soft limit at start. */
const FALLBACK_FD_LIMIT = 10_240;

/**
 * The process's open-file limit as Bun left it. Bun already raises its soft limit to the hard
 * one at start (measured with Bun 1.4.5: `ulimit -Sn 256` still shows 20000 in
 * /proc/self/limits), so there is nothing for us to raise.
 */
export function fdLimit(read: () => string = () => readFileSync("/proc/self/limits", "utf8")): number {
  try {
    const line = read()
      .split("\n")
      .find((text) => text.startsWith("Max open files"));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isSafeInteger(soft) && soft > 0 ? soft : FALLBACK_FD_LIMIT;
  } catch {
    return FALLBACK_FD_LIMIT;
  }
}

/** Within this many of the limit a connect that failed is put down to the process, not the target. */
const EXHAUSTED_SLACK = 4;

/**
 * Whether the process has (nearly) no file descriptor left. Asked only after a connect failed
 * as refused: Bun 1.4.5 reports a socket() that found no fd (EMFILE) as ECONNREFUSED, which
 * would blame the target for what is the proxy's own shortage. Counting needs one fd itself:
 * none left to count with is the answer too.
 */
export function outOfFds(count: () => number = () => readdirSync("/dev/fd").length, limit: () => number = fdLimit): boolean {
  try {
    return count() >= limit() - EXHAUSTED_SLACK;
  } catch {
    return true;
  }
}

/** The default --max-connections: the fd limit less head-room for children and upstreams, 3 fds each. */
export function defaultMaxConnections(limit: number, maxSessions: number): number {
  return Math.max(16, Math.floor((limit - RESERVED_FDS - FDS_PER_SESSION * maxSessions) / FDS_PER_CONNECTION));
}
