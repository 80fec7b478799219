/**
 * Every live session by id: the owner that opens them within the --max-sessions budget,
 * finds them for POST /messages, and stops them all on shutdown.
 */
import { HttpError } from "../errors.ts";
import { SpawnError } from "./child.ts";
import { Session, type SessionConfig } from "./session.ts";

export interface SessionsConfig extends SessionConfig {
  maxSessions: number;
}

export class Sessions {
  private readonly live = new Map<string, Session>();
  private shuttingDown = false;

  constructor(private readonly config: SessionsConfig) {}

  get size(): number {
    return this.live.size;
  }

  get(id: string): Session | undefined {
    return this.live.get(id);
  }

  /** Spawns a child for a new session; 503 when full or shutting down, 502 when it cannot start. */
  open(): Session {
    if (this.shuttingDown) throw new HttpError(503, "mcp-proxy is shutting down");
    if (this.live.size >= this.config.maxSessions) {
      throw new HttpError(503, `too many sessions: the limit is ${this.config.maxSessions} (--max-sessions)`);
    }
    let session: Session;
    try {
      session = new Session(this.config, (closed) => this.live.delete(closed.id));
    } catch (error) {
      if (!(error instanceof SpawnError)) throw error;
      const message = `could not start the MCP server "${this.config.argv[0]}": ${error.message}`;
      this.config.log.error(message);
      throw new HttpError(502, message);
    }
    this.live.set(session.id, session);
    return session;
  }

  /** Stops every child (and its process group) and waits for all of them. */
  async closeAll(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.live.values()].map((session) => session.close("shutting down")));
  }
}
