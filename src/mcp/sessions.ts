/**
 * Every live bridge session by id, /sse and /mcp alike: the owner that opens them within one
 * --max-sessions budget, finds them for later requests, and stops them all on shutdown.
 */
import { randomUUID } from "node:crypto";
import { HttpError } from "../errors.ts";
import { SpawnError } from "./child.ts";
import { SseSession } from "./sse-session.ts";
import { StreamableSession, type StreamableConfig } from "./streamable-session.ts";

export type BridgeSession = SseSession | StreamableSession;

export interface SessionsConfig extends StreamableConfig {
  maxSessions: number;
}

export class Sessions {
  private readonly live = new Map<string, BridgeSession>();
  /** Sessions that left the map but whose child may still be stopping: shutdown waits for them. */
  private readonly stopping = new Set<Promise<void>>();
  private shuttingDown = false;

  constructor(private readonly config: SessionsConfig) {}

  get size(): number {
    return this.live.size;
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
    if (this.live.size >= this.config.maxSessions) {
      throw new HttpError(503, `too many sessions: the limit is ${this.config.maxSessions} (--max-sessions)`);
    }
    let session: T;
    try {
      // randomUUID draws from the CSPRNG: a session id is the only thing that binds a request to its child.
      session = create(randomUUID(), (closed) => this.forget(closed));
    } catch (error) {
      if (!(error instanceof SpawnError)) throw error;
      const message = `could not start the MCP server "${this.config.argv[0]}": ${error.message}`;
      this.config.log.error(message);
      throw new HttpError(502, message);
    }
    this.live.set(session.id, session);
    return session;
  }

  private forget(session: BridgeSession): void {
    this.live.delete(session.id);
    // onClose is the first step of close(), called before close() has stored its promise;
    // one microtask later, close() returns that same promise instead of starting again.
    queueMicrotask(() => {
      const stopped = session.close("").finally(() => this.stopping.delete(stopped));
      this.stopping.add(stopped);
    });
  }
}
