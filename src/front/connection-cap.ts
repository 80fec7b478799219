/**
 * The most client connections the front holds at once (--max-connections), so that running
 * out of file descriptors degrades instead of wedging (issue 11: at the fd limit Bun's accept
 * loop spun at 100% CPU and every new client timed out).
 *
 *   accept ─admit()─▶ under the cap: served
 *                  └▶ at the cap: closed at once, one warning per interval
 *   the connect to the app fails ─exhausted()─▶ the cap drops to what is open now, minus a margin,
 *                                            and climbs back as connections close
 *
 * A refused connection costs one accept and one close; the listener keeps draining its backlog,
 * so nothing waits in the kernel and nothing spins.
 */
import type { Logger } from "../log.ts";
import { LogLimiter } from "../security/log-limiter.ts";

const WARN_WINDOW_MS = 10_000;
/** Connections kept free under the lowered cap after an EMFILE, so accept itself still finds an fd. */
const EXHAUSTED_MARGIN = 8;

export class ConnectionCap {
  /** Client connections open now. */
  open = 0;
  /** The cap in force: max, or lower for a while after the system ran out of fds. */
  private limit: number;
  private readonly warnings: LogLimiter;

  constructor(
    readonly max: number,
    log: Logger,
    warnWindowMs = WARN_WINDOW_MS,
  ) {
    this.limit = max;
    this.warnings = new LogLimiter((line) => log.warn(line), warnWindowMs);
  }

  /** A new client connection: true when it may stay (and counts until release()). */
  admit(): boolean {
    if (this.open < this.limit) {
      this.open++;
      return true;
    }
    const why = this.limit < this.max ? `the process ran out of file descriptors at ${this.limit + EXHAUSTED_MARGIN}` : `--max-connections ${this.max}`;
    this.warnings.note("cap", `connection refused: ${this.open} connections open (${why}); new clients are closed until some end`);
    return false;
  }

  release(): void {
    this.open--;
    // Out of fds earlier: let the cap climb back by one for each connection that ends.
    if (this.limit < this.max && this.open < this.limit) this.limit = Math.min(this.max, this.limit + 1);
  }

  /** The process ran out of fds (a connect to the app failed, or accept did): hold the cap below what is open now. */
  exhausted(error: unknown): void {
    this.limit = Math.max(1, Math.min(this.limit, this.open - EXHAUSTED_MARGIN));
    const cause = String((error as Error)?.message ?? error);
    this.warnings.note("fds", `out of file descriptors (${cause}) with ${this.open} connections open; refusing new ones until some end`);
  }
}
