/**
 * Log lines about one client that could repeat without bound (failed logins, refused
 * addresses): the first goes out at once, then at most one per key per window, saying how
 * many were held back since the last one.
 *
 *   note(key, line) ─first or window over─▶ log(line [+ "(N more in the last 60 s)"])
 *                   └─within the window──▶ counted
 */

interface Entry {
  since: number;
  held: number;
}

/** Past this many keys, entries whose window is over are dropped. */
const MAX_KEYS = 10_000;

export class LogLimiter {
  private readonly seen = new Map<string, Entry>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  note(key: string, line: string): void {
    const t = this.now();
    const entry = this.seen.get(key);
    if (entry && t - entry.since < this.windowMs) {
      entry.held++;
      return;
    }
    if (!entry && this.seen.size >= MAX_KEYS) this.prune(t);
    const tail = entry?.held ? ` (${entry.held} more in the last ${Math.round((t - entry.since) / 1000)} s)` : "";
    this.seen.set(key, { since: t, held: 0 });
    this.write(`${line}${tail}`);
  }

  private prune(t: number): void {
    for (const [key, entry] of this.seen) if (t - entry.since >= this.windowMs) this.seen.delete(key);
  }
}
