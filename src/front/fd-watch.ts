/**
 * Notices the process spinning on an accept that has no file descriptor left, which Bun cannot
 * tell us about: its accept loop gives up on EMFILE and the listening socket, still readable,
 * wakes it again at once (measured with Bun 1.4.5: 98% CPU for as long as the fds are held).
 *
 *   every intervalMs: CPU busy? ─no──▶ nothing (an idle proxy never counts its fds)
 *                                └yes─▶ count fds ─at the limit─▶ onExhausted (stop accepting)
 *   while exhausted: count fds ─fallen below the limit by a margin─▶ onRelief (accept again)
 *
 * The cap in connection-cap.ts keeps a proxy with the default --max-connections away from the
 * limit; this is for everything the cap cannot see (a --max-connections set too high, fds
 * taken by children or idle upstreams).
 */
import { readdirSync } from "node:fs";

export interface FdWatchOptions {
  /** The open-file limit. */
  limit: number;
  onExhausted(open: number): void;
  /** False when accepting could not start again yet (the watch tries again on its next look). */
  onRelief(open: number): boolean;
  intervalMs?: number;
  /** Open fds now; throws EMFILE when none is left to count them with. */
  countFds?: () => number;
  /** CPU time used so far, in microseconds. */
  cpuMicros?: () => number;
}

/** Past this share of one core the loop may be spinning: worth counting the fds. */
const BUSY_SHARE = 0.5;

export class FdWatch {
  private exhausted = false;
  private timer: Timer | undefined;
  private lastCpu: number;
  private readonly intervalMs: number;
  private readonly countFds: () => number;
  private readonly cpuMicros: () => number;

  constructor(private readonly options: FdWatchOptions) {
    this.intervalMs = options.intervalMs ?? 250;
    this.countFds = options.countFds ?? (() => readdirSync("/dev/fd").length);
    this.cpuMicros = options.cpuMicros ?? (() => {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    });
    this.lastCpu = this.cpuMicros();
  }

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look (the timer's job; public for tests). */
  check(): void {
    const cpu = this.cpuMicros();
    const busy = (cpu - this.lastCpu) / (this.intervalMs * 1000);
    this.lastCpu = cpu;
    if (!this.exhausted && busy < BUSY_SHARE) return;
    const open = this.open();
    const { limit } = this.options;
    if (!this.exhausted && open >= limit - 2) {
      this.exhausted = true;
      this.options.onExhausted(open);
    } else if (this.exhausted && open <= limit - Math.max(8, Math.ceil(limit / 20))) {
      this.exhausted = !this.options.onRelief(open);
    }
  }

  private open(): number {
    try {
      return this.countFds();
    } catch {
      return this.options.limit; // EMFILE: not even one fd to look with
    }
  }
}
