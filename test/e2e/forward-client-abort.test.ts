/**
 * A client that goes away while its forwarded request waits for the answer: the upstream is
 * closed within 100 ms and the log says the client left (499), not a status it never got.
 *
 *   client ─GET /slow─▶ proxy ─▶ origin (answers after 5 s)
 *   client FIN or close after 0.5 s ─▶ proxy closes the origin's socket ─▶ "499 client closed the connection"
 */
import { describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { rawConnect } from "../helpers/raw-client.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { letTimePass, waitFor, within } from "../helpers/wait.ts";

const ANSWER_AFTER_MS = 5000;

/** An origin that answers every request after ANSWER_AFTER_MS, and reports when its socket closes. */
function slowOrigin() {
  let requested!: () => void;
  let closed!: (at: number) => void;
  const state = {
    requested: new Promise<void>((r) => (requested = r)),
    closedAt: new Promise<number>((r) => (closed = r)),
    timers: [] as Timer[],
  };
  const listener: TCPSocketListener<undefined> = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket: Socket<undefined>, data) {
        if (!Buffer.from(data).includes("\r\n\r\n")) return;
        requested();
        state.timers.push(setTimeout(() => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate"), ANSWER_AFTER_MS));
      },
      close: () => closed(performance.now()),
    },
  });
  return {
    ...state,
    authority: `127.0.0.1:${listener.port}`,
    [Symbol.asyncDispose]: async () => {
      for (const timer of state.timers) clearTimeout(timer);
      listener.stop(true);
    },
  };
}

describe("client abort while the request waits for its answer", () => {
  for (const how of ["half-closes (FIN, what close() sends)", "resets the connection"] as const) {
    test(`closes the upstream within 100 ms and logs 499 when the client ${how} after 0.5 s`, async () => {
      await using origin = slowOrigin();
      await using proxy = await startTestProxy();
      const client = await rawConnect(proxy.port);
      client.write(`GET http://${origin.authority}/slow HTTP/1.1\r\nHost: ${origin.authority}\r\n\r\n`);
      await within(origin.requested, 3000, "the request at the origin");
      await letTimePass(500); // the client's patience: the subject of the test
      const left = performance.now();
      if (how.startsWith("half")) client.socket.end();
      else client.socket.terminate();
      const closedAt = await within(origin.closedAt, 2000, "the origin's socket to close");
      expect(closedAt - left).toBeLessThan(100);
      const line = await waitFor(() => proxy.logs.find((l) => l.includes(" GET 127.0.0.1:")), 1000, "the request's log line");
      expect(line).toMatch(new RegExp(`\\[INFO\\] 127\\.0\\.0\\.1 GET ${origin.authority}/slow 499 client closed the connection, 0 B \\d+ ms`));
      expect(line).not.toContain(" 200 ");
      await waitFor(() => proxy.openConnections() === 0, 1000, "the proxy to forget the connection");
      client.close();
    });
  }
});
