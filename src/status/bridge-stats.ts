/**
 * A bridged server's history: how many children it started, how its sessions ended (by a
 * bounded set of reasons, for /metrics), and the last few endings with their details.
 *
 *   ChildLink spawned ─▶ started()        ChildLink logClosed ─▶ ended(EndedSession)
 */
import { Ring } from "./ring.ts";

/** Why a session ended, as a bounded label. */
export type EndReason = "client_gone" | "deleted" | "idle" | "child_exited" | "shutdown" | "error";

export interface EndedSession {
  transport: string;
  id: string;
  pid: number;
  startedAt: number;
  endedAt: number;
  messagesIn: number;
  messagesOut: number;
  reason: EndReason;
  /** The session's own words, e.g. `idle for 1800 s`. */
  detail: string;
  exitCode: number | null;
  signal: string | null;
}

export const ENDED_HISTORY = 20;

export class BridgeStats {
  starts = 0;
  readonly exits = new Map<EndReason, number>();
  readonly recent = new Ring<EndedSession>(ENDED_HISTORY);

  started(): void {
    this.starts++;
  }

  ended(session: EndedSession): void {
    this.exits.set(session.reason, (this.exits.get(session.reason) ?? 0) + 1);
    this.recent.push(session);
  }
}

/** Maps the close reasons sessions log (free text) onto the bounded label set. */
export function endReason(detail: string): EndReason {
  if (detail.startsWith("client disconnected")) return "client_gone";
  if (detail.includes("(DELETE)")) return "deleted";
  if (detail.startsWith("idle")) return "idle";
  if (detail.startsWith("child")) return "child_exited";
  if (detail.startsWith("shutting down")) return "shutdown";
  return "error";
}
