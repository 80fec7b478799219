/** Tracks every open connection the front owns, so shutdown can close them all. */

export interface Closable {
  destroy(): void;
}

export class Registry {
  private readonly open = new Set<Closable>();

  add(item: Closable): void {
    this.open.add(item);
  }

  delete(item: Closable): void {
    this.open.delete(item);
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const item of [...this.open]) item.destroy();
    this.open.clear();
  }
}
