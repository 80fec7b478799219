/**
 * A session's idle reaper: calls onIdle once its owner has gone `ms` without a touch() and
 * without being busy. A busy owner is never reaped; the touch() that ends its busy spell
 * (a response ending, a client leaving) starts the count again.
 *
 * One lazy timer, not a fresh one per touch (an /mcp request touches it four times): touch()
 * only notes the time, and the timer, when it fires, re-arms itself for whatever is left.
 */
export class IdleClock {
  private last = performance.now();
  private timer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly ms: number,
    private readonly busy: () => boolean,
    private readonly onIdle: () => void,
  ) {
    this.touch();
  }

  touch(): void {
    this.last = performance.now();
    if (!this.timer && !this.stopped) this.timer = setTimeout(() => this.check(), this.ms);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    this.timer = undefined;
    if (this.stopped || this.busy()) return;
    const left = this.last + this.ms - performance.now();
    if (left > 0) this.timer = setTimeout(() => this.check(), left);
    else this.onIdle();
  }
}
