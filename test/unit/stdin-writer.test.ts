import { describe, expect, test } from "bun:test";
import { CHUNK_BYTES, StdinClosedError, StdinWriter, type StdinSink } from "../../src/mcp/stdin-writer.ts";
import { letTimePass, waitFor } from "../helpers/wait.ts";

/**
 * A FileSink stand-in that behaves as measured (see stdin-writer.ts): while `blocked`, flush()
 * returns a Promise that settles only when the test calls drain() or breakPipe().
 */
function fakeSink() {
  const written: Uint8Array[] = [];
  let pending: { resolve(n: number): void; reject(error: Error): void } | undefined;
  const sink = {
    blocked: false,
    flushes: 0,
    written,
    text: () => new TextDecoder().decode(Buffer.concat(written)),
    /** The pending flush completes: the child read what it held. */
    drain() {
      const flush = pending;
      pending = undefined;
      flush?.resolve(0);
    },
    /** The child died: the pending flush fails with EPIPE. */
    breakPipe() {
      const flush = pending;
      pending = undefined;
      flush?.reject(Object.assign(new Error("EPIPE: broken pipe, write"), { code: "EPIPE" }));
    },
    get waiting() {
      return pending !== undefined;
    },
    write(chunk: Uint8Array) {
      written.push(chunk.slice());
      return chunk.byteLength;
    },
    flush() {
      sink.flushes++;
      if (!sink.blocked) return 0;
      return new Promise<number>((resolve, reject) => (pending = { resolve, reject }));
    },
  } satisfies StdinSink & Record<string, unknown>;
  return sink;
}

function writer(sink: StdinSink, maxBytes: number, stallMs = 60_000) {
  const stalls: number[] = [];
  return { stdin: new StdinWriter(sink, { maxBytes, stallMs, onStall: (queued) => stalls.push(queued) }), stalls };
}

/** Whether a promise has settled by the time queued microtasks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await Bun.sleep(0);
  return done;
}

describe("StdinWriter", () => {
  test("queues lines with a newline each and resolves at once while the child reads", async () => {
    const sink = fakeSink();
    const { stdin } = writer(sink, 1024);
    await stdin.write(['{"id":1}']);
    await stdin.write(['{"id":2}', '{"id":3}']);
    expect(sink.text()).toBe('{"id":1}\n{"id":2}\n{"id":3}\n');
    expect(stdin.queuedBytes).toBe(0);
  });

  test("answers at once while the message fits, even if the child has read nothing, and keeps the bytes until it does", async () => {
    const sink = fakeSink();
    sink.blocked = true;
    const { stdin } = writer(sink, 100);
    await stdin.write(["a".repeat(39)]);
    await stdin.write(["b".repeat(39)]);
    expect(stdin.queuedBytes).toBe(80);
    sink.drain();
    await waitFor(() => sink.waiting, 1000, "the second flush");
    sink.drain();
    await waitFor(() => stdin.queuedBytes === 0, 1000, "the queue to empty");
    expect(sink.text()).toBe(`${"a".repeat(39)}\n${"b".repeat(39)}\n`);
  });

  test("makes a write that does not fit wait for the child to read, in order, and never interleaves a batch", async () => {
    const sink = fakeSink();
    sink.blocked = true;
    const { stdin } = writer(sink, 100);
    await stdin.write(["a".repeat(59)]);
    const second = stdin.write(["b".repeat(29), "c".repeat(29)]);
    // Small enough to fit, but it must not overtake the waiting batch.
    const third = stdin.write(["d"]);
    expect(await settled(second)).toBe(false);
    expect(await settled(third)).toBe(false);
    sink.drain();
    await second;
    await third;
    sink.blocked = false;
    sink.drain();
    await waitFor(() => stdin.queuedBytes === 0, 1000, "the queue to empty");
    expect(sink.text()).toBe(`${"a".repeat(59)}\n${"b".repeat(29)}\n${"c".repeat(29)}\nd\n`);
  });

  test("takes one message bigger than the whole buffer when the buffer is empty, and hands it over in chunks", async () => {
    const sink = fakeSink();
    const { stdin } = writer(sink, 1000);
    const big = "x".repeat(3 * CHUNK_BYTES + 10);
    await stdin.write([big]);
    await waitFor(() => stdin.queuedBytes === 0, 1000, "the queue to empty");
    expect(sink.written.map((chunk) => chunk.byteLength)).toEqual([CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES, 11]);
    expect(sink.text()).toBe(`${big}\n`);
  });

  test("a child that reads nothing for stallMs: onStall once, waiting and later writes reject as stalled", async () => {
    const sink = fakeSink();
    sink.blocked = true;
    const { stdin, stalls } = writer(sink, 100, 50);
    await stdin.write(["a".repeat(99)]);
    const waiting = stdin.write(["b"]);
    const error = await waiting.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(error).toBeInstanceOf(StdinClosedError);
    expect((error as StdinClosedError).stalled).toBe(true);
    expect((error as StdinClosedError).message).toBe("the MCP server stopped reading its stdin for 0.05 s");
    expect(stalls).toEqual([100]);
    await expect(stdin.write(["c"])).rejects.toThrow(StdinClosedError);
    expect(stdin.queuedBytes).toBe(0);
  });

  test("a slow child that keeps reading is never taken for a stalled one, however long the whole write takes", async () => {
    const sink = fakeSink();
    sink.blocked = true;
    const { stdin, stalls } = writer(sink, 8 * CHUNK_BYTES, 150);
    await stdin.write(["x".repeat(6 * CHUNK_BYTES)]);
    const started = Date.now();
    // One chunk read every 60 ms: 7 flushes take ~400 ms, more than twice stallMs.
    while (stdin.queuedBytes > 0) {
      await waitFor(() => sink.waiting, 1000, "a flush");
      await Bun.sleep(60);
      sink.drain();
      await Bun.sleep(0);
    }
    expect(Date.now() - started).toBeGreaterThan(300);
    expect(stalls).toEqual([]);
  });

  test("time spent not reading the child's stdout (our clients slow) does not count: the clock starts when we read again", async () => {
    const sink = fakeSink();
    sink.blocked = true;
    let heldAt = performance.now();
    let holding = true;
    const stalls: number[] = [];
    const stdin = new StdinWriter(sink, { maxBytes: 100, stallMs: 100, onStall: (queued) => stalls.push(queued), stdoutHeldAt: () => (holding ? performance.now() : heldAt) });
    await stdin.write(["a".repeat(20)]);
    await letTimePass(250);
    expect(stalls).toEqual([]);
    holding = false;
    heldAt = performance.now();
    await waitFor(() => stalls.length === 1, 1000, "the stall once we read again");
    expect(performance.now() - heldAt).toBeGreaterThanOrEqual(95);
  });

  test("a client that gives up while waiting for room takes its message with it, and the next one moves up", async () => {
    const sink = fakeSink();
    sink.blocked = true;
    const { stdin } = writer(sink, 100);
    await stdin.write(["a".repeat(89)]);
    const abort = new AbortController();
    const gone = stdin.write(["b".repeat(50)], abort.signal);
    const next = stdin.write(["c"]);
    abort.abort();
    await expect(gone).rejects.toThrow("the client went away");
    // "c\n" fits beside the 90 queued bytes once the bigger write ahead of it left.
    await next;
    sink.blocked = false;
    sink.drain();
    await waitFor(() => stdin.queuedBytes === 0, 1000, "the queue to empty");
    expect(sink.text()).toBe(`${"a".repeat(89)}\nc\n`);
  });

  test("a pipe that breaks (EPIPE) rejects what waits, not as a stall, and the error is handled", async () => {
    const sink = fakeSink();
    sink.blocked = true;
    const { stdin, stalls } = writer(sink, 10, 60_000);
    await stdin.write(["a".repeat(20)]);
    const waiting = stdin.write(["b"]);
    await waitFor(() => sink.waiting, 1000, "the flush");
    sink.breakPipe();
    const error = (await waiting.catch((error: unknown) => error)) as StdinClosedError;
    expect(error).toBeInstanceOf(StdinClosedError);
    expect(error.stalled).toBe(false);
    expect(error.message).toContain("EPIPE");
    expect(stalls).toEqual([]);
  });

  test("fail() rejects every waiting write with its error, once", async () => {
    const sink = fakeSink();
    sink.blocked = true;
    const { stdin } = writer(sink, 10);
    await stdin.write(["a".repeat(20)]);
    const waiting = [stdin.write(["b"]), stdin.write(["c"])];
    stdin.fail(new StdinClosedError("the child is stopping"));
    stdin.fail(new StdinClosedError("twice"));
    for (const write of waiting) await expect(write).rejects.toThrow("the child is stopping");
    await expect(stdin.write(["d"])).rejects.toThrow("the child is stopping");
  });
});
