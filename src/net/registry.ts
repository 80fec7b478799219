/**
 * Tracks every open connection the front owns, so shutdown can close them all.
 *
 *   add(item) ─▶ Entry (the owner keeps it) ─ remove() ─▶ out, in O(1)
 *   closeAll() ─▶ destroy() on every item still in
 *
 * A linked list, not a Set: see linked-list.ts for what a Set cost the garbage collector.
 */
import { type Link, LinkedList } from "../linked-list.ts";

export interface Closable {
  destroy(): void;
}

export type Entry = Link<Closable>;

export class Registry extends LinkedList<Closable> {
  closeAll(): void {
    // Copied first: a destroy() removes its own entry (and may end others).
    for (const item of [...this]) item.destroy();
    this.clear();
  }
}
