import { describe, expect, test } from "bun:test";
import { defaultMaxConnections, fdLimit } from "../../src/fd-limit.ts";
import { FdWatch } from "../../src/front/fd-watch.ts";

describe("fd limit", () => {
  test("reads the soft limit from /proc/self/limits, with a fallback", () => {
    const limits = "Limit                     Soft Limit           Hard Limit           Units     \nMax open files            2048                 4096                 files     \n";
    expect(fdLimit(() => limits)).toBe(2048);
    expect(fdLimit(() => "Max open files            unlimited            unlimited            files\n")).toBe(10_240);
    expect(fdLimit(() => {
      throw new Error("no /proc");
    })).toBe(10_240);
  });

  test("leaves head-room for children and the rest, 3 fds per connection", () => {
    expect(defaultMaxConnections(2048, 64)).toBe(Math.floor((2048 - 128 - 256) / 3));
    expect(defaultMaxConnections(256, 64)).toBe(16);
  });
});

describe("FdWatch", () => {
  test("counts fds only while the CPU is busy, stops accepting at the limit and starts again below it by a margin", () => {
    let cpu = 0;
    let fds = 100;
    let counted = 0;
    const events: string[] = [];
    let relieve = true;
    const watch = new FdWatch({
      limit: 256,
      intervalMs: 100,
      cpuMicros: () => cpu,
      countFds: () => {
        counted++;
        if (fds >= 256) throw Object.assign(new Error("EMFILE"), { code: "EMFILE" });
        return fds;
      },
      onExhausted: (open) => void events.push(`exhausted ${open}`),
      onRelief: (open) => (events.push(`relief ${open}`), relieve),
    });
    watch.check(); // idle: no count
    expect(counted).toBe(0);
    cpu += 90_000; // 90% of the 100 ms
    watch.check();
    expect(counted).toBe(1);
    expect(events).toEqual([]);
    fds = 256;
    cpu += 95_000;
    watch.check();
    expect(events).toEqual(["exhausted 256"]);
    fds = 250; // not below by the margin (13 of 256)
    watch.check();
    expect(events).toEqual(["exhausted 256"]);
    fds = 200;
    relieve = false; // the port could not be bound yet: try again next time
    watch.check();
    relieve = true;
    watch.check();
    expect(events).toEqual(["exhausted 256", "relief 200", "relief 200"]);
    watch.check(); // accepting again and idle: no more counting
    expect(counted).toBe(5);
  });
});
