/**
 * Timeouts for many connections on one timer per duration: a request head due within
 * --header-timeout, an upstream connect within --connect-timeout.
 *
 *   add(ms, item) ─▶ Deadline (the owner keeps it) ─ cancel() ─▶ out, in O(1)
 *   the duration's timer fires ─▶ expire() on every item past its deadline, oldest first,
 *                                 then the timer is armed again for the oldest left
 *
 * Every deadline of one duration is added in time order, so each duration's queue is sorted
 * by construction: adding appends, expiring takes from the front, and nothing is ever searched.
 * A short tunnel used to arm and clear two Bun timers (a native timer object each); now it
 * appends and unlinks two list entries.
 *
 * The timers are unref'd: a pending deadline belongs to an open socket, which keeps the
 * process alive by itself.
 */
import { LinkedList, type Link } from "../linked-list.ts";

export interface Expiring {
  /** The deadline passed before the owner cancelled it. Called once. */
  expire(): void;
}

/** One pending deadline; the owner cancels it when what it waited for has happened. */
export interface Deadline {
  cancel(): void;
}

export class Deadlines {
  private readonly queues = new Map<number, DeadlineQueue>();

  /** Calls `item.expire()` once `ms` have passed, unless the returned deadline is cancelled first. */
  add(ms: number, item: Expiring): Deadline {
    let queue = this.queues.get(ms);
    if (!queue) this.queues.set(ms, (queue = new DeadlineQueue(ms)));
    return queue.add(item);
  }

  /** How many deadlines are pending (for tests). */
  get size(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.size;
    return count;
  }

  /** Drops every pending deadline without expiring it, and stops the timers. */
  clear(): void {
    for (const queue of this.queues.values()) queue.clear();
  }
}

class Pending implements Deadline {
  /** @internal */ link: Link<Pending> | undefined;

  constructor(
    readonly at: number,
    readonly item: Expiring,
  ) {}

  cancel(): void {
    this.link?.remove();
    this.link = undefined;
  }
}

/** The deadlines of one duration, oldest first, and the one timer for the oldest. */
class DeadlineQueue {
  private readonly pending = new LinkedList<Pending>();
  private timer: Timer | undefined;

  constructor(private readonly ms: number) {}

  get size(): number {
    return this.pending.size;
  }

  add(item: Expiring): Pending {
    const deadline = new Pending(performance.now() + this.ms, item);
    deadline.link = this.pending.add(deadline);
    // Armed already: it fires for an older deadline and then re-arms for this one.
    if (!this.timer) this.arm(this.ms);
    return deadline;
  }

  clear(): void {
    this.disarm();
    this.pending.clear();
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    // Bun's timers count whole milliseconds: round up, or a timer due in 0.4 ms fires early,
    // finds nothing expired and spins.
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    try {
      const now = performance.now();
      for (let oldest = this.pending.oldest; oldest && oldest.at <= now; oldest = this.pending.oldest) {
        oldest.cancel();
        oldest.item.expire();
      }
    } finally {
      // Armed again for the oldest left, even when an expire() threw or added a deadline of its own.
      const oldest = this.pending.oldest;
      if (oldest) this.arm(oldest.at - performance.now());
      else this.disarm();
    }
  };

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
