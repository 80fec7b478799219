/**
 * Endpoint: the write queue Bun does not keep. Partial writes queue the rest in order, drain
 * writes it and says so once, cork makes one write of many, FIN/close wait for the queue,
 * destroy drops it; closes are idempotent. One real-socket case shows the partial writes happen.
 *
 *   write ─▶ socket takes n ─▶ rest queued ─drain─▶ written ─▶ onWritable │ shutdownWrite/end after the queue
 */
import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { Endpoint, slotHandlers, unowned, type RawSocket, type SocketSlot } from "../../src/net/endpoint.ts";
import { stubEndpoint } from "../helpers/stub-socket.ts";
import { waitFor, within } from "../helpers/wait.ts";

describe("Endpoint writes", () => {
  test("writes at once when the socket takes everything, and says so", () => {
    const { endpoint, socket } = stubEndpoint();
    expect(endpoint.write("hello")).toBe(true);
    expect(socket.text).toBe("hello");
    expect(endpoint.bytesWritten).toBe(5);
    expect(endpoint.queued).toBe(0);
  });

  test("queues what a partial write left, keeps later writes behind it, and drains in order", () => {
    const { endpoint, socket } = stubEndpoint();
    let writable = 0;
    endpoint.onWritable = () => writable++;
    socket.room = 3;
    expect(endpoint.write("abcdef")).toBe(false);
    expect(endpoint.write("ghi")).toBe(false);
    expect(socket.text).toBe("abc");
    expect(endpoint.queued).toBe(6);
    expect(socket.calls).toEqual(["write 6/3"]); // the second write did not jump the queue

    socket.room = 2; // a drain that frees only part of what is queued
    endpoint.onDrain();
    expect(socket.text).toBe("abcde");
    expect(endpoint.queued).toBe(4);
    expect(writable).toBe(0);

    socket.room = Infinity;
    endpoint.onDrain();
    expect(socket.text).toBe("abcdefghi");
    expect(endpoint.queued).toBe(0);
    expect(endpoint.bytesWritten).toBe(9);
    expect(writable).toBe(1);
  });

  test("a drain with nothing queued since the last one does not call onWritable (Bun fires those too)", () => {
    const { endpoint } = stubEndpoint();
    let writable = 0;
    endpoint.onWritable = () => writable++;
    endpoint.write("x");
    endpoint.onDrain();
    endpoint.onDrain();
    expect(writable).toBe(0);
  });

  test("cork collects writes and uncork sends them as one write", () => {
    const { endpoint, socket } = stubEndpoint();
    endpoint.cork();
    expect(endpoint.write("HTTP/1.1 200 OK\r\n\r\n")).toBe(true);
    expect(endpoint.write("body")).toBe(true);
    expect(socket.calls).toEqual([]);
    expect(endpoint.uncork()).toBe(true);
    expect(socket.calls).toEqual(["write 23/23"]);
    expect(socket.text).toBe("HTTP/1.1 200 OK\r\n\r\nbody");
    expect(endpoint.uncork()).toBe(true); // nothing corked, nothing queued
  });

  test("uncork reports a partial write so the caller can pause its source", () => {
    const { endpoint, socket } = stubEndpoint();
    socket.room = 2;
    endpoint.cork();
    endpoint.write("abcd");
    expect(endpoint.uncork()).toBe(false);
    expect(endpoint.queued).toBe(2);
    expect(endpoint.uncork()).toBe(false); // still backlogged
  });
});

describe("Endpoint closes", () => {
  test("shutdownWrite sends FIN only after the queue is written, once, and refuses later writes", () => {
    const { endpoint, socket } = stubEndpoint();
    socket.room = 1;
    endpoint.write("ab");
    endpoint.shutdownWrite();
    expect(socket.calls).not.toContain("shutdown");
    expect(endpoint.write("late")).toBe(false);
    socket.room = Infinity;
    endpoint.onDrain();
    endpoint.shutdownWrite();
    endpoint.onDrain();
    expect(socket.text).toBe("ab");
    expect(socket.calls.filter((c) => c === "shutdown")).toHaveLength(1);
  });

  test("shutdownWrite flushes what is corked first", () => {
    const { endpoint, socket } = stubEndpoint();
    endpoint.cork();
    endpoint.write("last words");
    endpoint.shutdownWrite();
    expect(socket.calls).toEqual(["write 10/10", "shutdown"]);
  });

  test("end closes after the queue is written, not before", () => {
    const { endpoint, socket } = stubEndpoint();
    socket.room = 0;
    endpoint.write("queued");
    endpoint.end();
    expect(socket.calls).not.toContain("end");
    expect(endpoint.closed).toBe(false);
    socket.room = Infinity;
    endpoint.onDrain();
    expect(socket.text).toBe("queued");
    expect(socket.calls.at(-1)).toBe("end");
    expect(endpoint.closed).toBe(true);
  });

  test("destroy drops the queue and terminates once; later writes, drains and pauses do nothing", () => {
    const { endpoint, socket } = stubEndpoint();
    socket.room = 0;
    endpoint.write("never sent");
    endpoint.destroy();
    endpoint.destroy();
    endpoint.end();
    socket.room = Infinity;
    endpoint.onDrain();
    endpoint.pause();
    expect(endpoint.write("x")).toBe(false);
    expect(endpoint.queued).toBe(0);
    expect(socket.sent).toHaveLength(0);
    expect(socket.calls.filter((c) => c !== "write 10/0")).toEqual(["terminate"]);
  });

  test("onClose reports the socket gone once, with the error, and empties the queue", () => {
    const { endpoint, socket } = stubEndpoint();
    const gone: (Error | undefined)[] = [];
    endpoint.onGone = (error) => gone.push(error);
    socket.room = 0;
    endpoint.write("lost");
    const reset = new Error("ECONNRESET");
    endpoint.onClose(reset);
    endpoint.onClose();
    expect(gone).toEqual([reset]);
    expect(endpoint.closed).toBe(true);
    expect(endpoint.queued).toBe(0);
  });

  test("pause and resume reach the socket while open", () => {
    const { endpoint, socket } = stubEndpoint();
    endpoint.pause();
    expect(socket.paused).toBe(true);
    endpoint.resume();
    expect(socket.paused).toBe(false);
  });
});

describe("one Endpoint per socket", () => {
  test("a second Endpoint on the same socket is refused: it would keep a second queue", () => {
    const { socket } = stubEndpoint();
    expect(() => new Endpoint(socket as unknown as RawSocket)).toThrow(/already has an Endpoint/);
  });
});

describe("Endpoint on real loopback sockets", () => {
  test("a reader that pauses makes writes partial; the queue drains in order once it reads again", async () => {
    const received: Buffer[] = [];
    let peer: Socket<undefined> | undefined;
    const listener = Bun.listen<undefined>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(socket) {
          socket.pause(); // the slow reader: the kernel buffers fill
          peer = socket;
        },
        data: (_socket, data) => void received.push(Buffer.from(data)),
      },
    });
    const raw = await Bun.connect<SocketSlot>({ hostname: "127.0.0.1", port: listener.port, data: { owner: unowned }, socket: slotHandlers });
    const endpoint = new Endpoint(raw);
    try {
      let writable = 0;
      endpoint.onWritable = () => writable++;
      const chunk = new Uint8Array(64 * 1024);
      let sent = 0;
      // Write until the kernel stops taking everything: bounded, loopback buffers are a few MiB.
      for (let i = 0; i < 2048 && endpoint.queued === 0; i++) {
        chunk.fill(i & 0xff);
        endpoint.write(chunk);
        sent += chunk.length;
      }
      expect(endpoint.queued).toBeGreaterThan(0);
      expect(endpoint.bytesWritten).toBe(sent - endpoint.queued);
      await waitFor(() => peer, 2000, "the reader's socket");
      peer!.resume();
      await waitFor(() => writable > 0 && received.reduce((n, b) => n + b.length, 0) === sent, 10_000, "every byte at the reader");
      expect(endpoint.queued).toBe(0);
      const all = Buffer.concat(received);
      for (let i = 0; i < sent / chunk.length; i++) expect(all[i * chunk.length]).toBe(i & 0xff);
    } finally {
      endpoint.destroy();
      await within(Promise.resolve(listener.stop(true)), 1000, "the listener to stop");
    }
  });
});
