/**
 * Keeps the event loop polling instead of sleeping for a short window after socket activity.
 *
 * A thread that sleeps in epoll/kqueue is woken tens of microseconds after its data arrives on
 * virtual machines and power-saving CPUs, and a forwarded request pays that twice (request in,
 * response in). Polling with a zero timeout for a while after each read takes that wake-up off
 * the next event of a busy exchange. HAProxy's `busy-polling` does the same for the same
 * reason; this one is bounded: an idle proxy sleeps as before, and a lone request costs at
 * most a window or two of CPU.
 *
 *   socket data ─kick()─▶ window extended ─▶ setImmediate spin (the loop polls, never sleeps)
 *                                             └─ window over ─▶ spin stops, loop sleeps again
 */
export class BusyPoll {
  private until = 0;
  private spinning = false;

  /** `windowMs` 0 turns busy polling off. */
  constructor(private readonly windowMs: number) {}

  /** Whether the loop is being kept awake right now. */
  get active(): boolean {
    return this.spinning;
  }

  /** Socket activity: keep polling for another window. */
  kick(): void {
    if (this.windowMs <= 0) return;
    this.until = performance.now() + this.windowMs;
    if (this.spinning) return;
    this.spinning = true;
    setImmediate(this.spin);
  }

  /** Ends the current window (on shutdown: nothing should keep the loop alive). */
  stop(): void {
    this.until = 0;
  }

  private readonly spin = (): void => {
    if (performance.now() < this.until) setImmediate(this.spin);
    else this.spinning = false;
  };
}
