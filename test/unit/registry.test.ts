/**
 * Registry (a LinkedList): what shutdown closes. Entries come out in any order, a removed entry
 * keeps no link (an old one pointing at younger ones would keep them alive through young
 * collections), iteration runs oldest first, and closeAll() reaches every entry still in,
 * including ones whose destroy() removes them.
 */
import { describe, expect, test } from "bun:test";
import { Registry, type Entry } from "../../src/net/registry.ts";

function item(log: string[], name: string, self?: () => Entry) {
  return {
    destroy: () => {
      log.push(name);
      self?.().remove();
    },
  };
}

describe("Registry", () => {
  test("counts entries, removes them in any order, and a second remove is a no-op", () => {
    const registry = new Registry();
    const log: string[] = [];
    const [a, b, c] = ["a", "b", "c"].map((name) => registry.add(item(log, name)));
    expect(registry.size).toBe(3);
    b!.remove();
    b!.remove();
    expect(registry.size).toBe(2);
    expect([...registry].length).toBe(2);
    a!.remove();
    c!.remove();
    expect(registry.size).toBe(0);
  });

  test("a removed entry keeps no link to its neighbours", () => {
    const registry = new Registry();
    const log: string[] = [];
    const entries = ["a", "b", "c"].map((name) => registry.add(item(log, name)));
    const middle = entries[1]!;
    middle.remove();
    expect(middle.prev).toBeUndefined();
    expect(middle.next).toBeUndefined();
    expect(entries[0]!.next).toBe(entries[2]);
    expect(entries[2]!.prev).toBe(entries[0]);
  });

  test("closeAll destroys every entry still in, once, even those that remove themselves, and empties the registry", () => {
    const registry = new Registry();
    const log: string[] = [];
    let selfRemoving!: Entry;
    registry.add(item(log, "plain"));
    const gone = registry.add(item(log, "gone"));
    selfRemoving = registry.add(item(log, "self", () => selfRemoving));
    gone.remove();
    registry.closeAll();
    expect(log.sort()).toEqual(["plain", "self"]);
    expect(registry.size).toBe(0);
    selfRemoving.remove();
    expect(registry.size).toBe(0);
  });
});
