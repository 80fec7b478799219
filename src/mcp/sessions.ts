/**
 * Every live session of one bridged server by id, /sse and /mcp alike: the owner that opens
 * them within its limits, finds them for later requests, and stops them all on shutdown.
 *
 *   open ─▶ 503 past the shared budget (--max-sessions, every server together)
 *        ─▶ 503 past this server's own maxSessions ─▶ spawn (502 when it cannot start)
 */
import { randomUUID } from "node:crypto";
import { HttpError } from "../errors.ts";
import { SpawnError } from "./child.ts";
import { SseSession, type SseSessionConfig } from "./sse-session.ts";
import { StreamableSession, type StreamableConfig } from "./streamable-session.ts";

export type BridgeSession = SseSession | StreamableSession;

export interface SessionsConfig extends StreamableConfig, SseSessionConfig {
  /** This server's own limit. */
  maxSessions: number;
  /** The limit every server shares (--max-sessions); a Sessions of its own when omitted. */
  budget?: SessionBudget;
  /** A named server's name, for error messages; undefined for the --sse bridge. */
  name?: string;
}

/** The lookups the routes need: the current Sessions of a server, or a view over several. */
export interface SessionTable {
  get(id: string): BridgeSession | undefined;
  openSse(): SseSession;
  openStreamable(): StreamableSession;
}

/** Sessions open across every bridged server, against --max-sessions. */
export class SessionBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

export class Sessions {
  private readonly live = new Map<string, BridgeSession>();
  /** Sessions that left the map but whose child may still be stopping: shutdown waits for them. */
  private readonly stopping = new Set<Promise<void>>();
  private shuttingDown = false;
  private readonly budget: SessionBudget;

  constructor(private readonly config: SessionsConfig) {
    this.budget = config.budget ?? new SessionBudget(config.maxSessions);
  }

  get size(): number {
    return this.live.size;
  }

  /** No session left, and no child still stopping. */
  get drained(): boolean {
    return this.live.size === 0 && this.stopping.size === 0;
  }

  get(id: string): BridgeSession | undefined {
    return this.live.get(id);
  }

  /** The live sessions, oldest first. */
  list(): BridgeSession[] {
    return [...this.live.values()];
  }

  /** A new /sse session; 503 when full or shutting down, 502 when the child cannot start. */
  openSse(): SseSession {
    return this.open((id, onClose) => new SseSession(id, this.config, onClose));
  }

  /** A new /mcp session, same limits. */
  openStreamable(): StreamableSession {
    return this.open((id, onClose) => new StreamableSession(id, this.config, onClose));
  }

  /** Stops every child (and its process group) and waits for all of them. */
  async closeAll(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...[...this.live.values()].map((session) => session.close("shutting down")), ...this.stopping]);
  }

  private open<T extends BridgeSession>(create: (id: string, onClose: (session: BridgeSession) => void) => T): T {
    if (this.shuttingDown) throw new HttpError(503, "mcp-proxy is shutting down");
    if (this.budget.used >= this.budget.limit) {
      throw new HttpError(503, `too many sessions: the limit is ${this.budget.limit} (--max-sessions)`);
    }
    if (this.live.size >= this.config.maxSessions) {
      const what = this.config.name === undefined ? "(--max-sessions)" : `for server "${this.config.name}" (its maxSessions)`;
      throw new HttpError(503, `too many sessions: the limit is ${this.config.maxSessions} ${what}`);
    }
    let session: T;
    try {
      // randomUUID draws from the CSPRNG: a session id is the only thing that binds a request to its child.
      session = create(randomUUID(), (closed) => this.forget(closed));
    } catch (error) {
      if (!(error instanceof SpawnError)) throw error;
      const command = this.config.argv[0];
      const message =
        this.config.name === undefined
          ? `could not start the MCP server "${command}": ${error.message}`
          : `server "${this.config.name}": spawn ${command} ${error.code} (${error.message})`;
      // A named server's logger is tagged with its name already.
      this.config.log.error(this.config.name === undefined ? message : `spawn ${command} ${error.code} (${error.message})`);
      throw new HttpError(502, message);
    }
    this.live.set(session.id, session);
    this.budget.used++;
    return session;
  }

  private forget(session: BridgeSession): void {
    if (this.live.delete(session.id)) this.budget.used--;
    // onClose is the first step of close(), called before close() has stored its promise;
    // one microtask later, close() returns that same promise instead of starting again.
    queueMicrotask(() => {
      const stopped = session.close("").finally(() => this.stopping.delete(stopped));
      this.stopping.add(stopped);
    });
  }
}
