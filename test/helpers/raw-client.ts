/**
 * A TCP client for exact bytes: write what a test says, read until a pattern or the close,
 * every read with a deadline. Records FIN and close separately, for half-close tests.
 */
import type { Socket } from "bun";

export interface RawClient {
  socket: Socket<undefined>;
  /** Writes all of `bytes`, in order, queueing what the kernel does not take at once. */
  write(bytes: string | Uint8Array): void;
  /** Everything received so far. */
  received(): Buffer;
  text(): string;
  readUntil(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the server has sent FIN or closed. */
  ended: Promise<void>;
  closed: Promise<void>;
  close(): void;
}

export async function rawConnect(port: number, hostname = "127.0.0.1"): Promise<RawClient> {
  const chunks: Buffer[] = [];
  const waiters = new Set<() => void>();
  let endResolve!: () => void;
  let closeResolve!: () => void;
  const ended = new Promise<void>((r) => (endResolve = r));
  const closed = new Promise<void>((r) => (closeResolve = r));
  const outbox: Buffer[] = [];
  const flush = (sock: Socket<undefined>) => {
    while (outbox.length > 0) {
      const head = outbox[0]!;
      const n = sock.write(head);
      if (n < 0) return;
      if (n < head.length) {
        outbox[0] = head.subarray(n);
        return;
      }
      outbox.shift();
    }
  };
  const notify = () => {
    for (const w of waiters) w();
  };
  const socket = await Bun.connect({
    hostname,
    port,
    allowHalfOpen: true,
    socket: {
      data(_s, data) {
        chunks.push(Buffer.from(data));
        notify();
      },
      drain: flush,
      end() {
        endResolve();
        notify();
      },
      close() {
        endResolve();
        closeResolve();
        notify();
      },
    },
  });
  let isClosed = false;
  closed.then(() => (isClosed = true));
  const received = () => Buffer.concat(chunks);
  const client: RawClient = {
    socket,
    write(bytes) {
      // Queued like any Bun socket writer must: write() takes only what the kernel takes.
      outbox.push(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : Buffer.from(bytes));
      flush(socket);
    },
    received,
    text: () => received().toString("latin1"),
    readUntil(pattern, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const text = client.text();
          const hit = typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
          if (hit) return done(() => resolve(text));
          if (isClosed) return done(() => reject(new Error(`closed before ${pattern}; got ${JSON.stringify(text.slice(0, 300))}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`timeout waiting for ${pattern}; got ${JSON.stringify(client.text().slice(0, 300))}`))),
          timeoutMs,
        );
        const done = (fn: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          fn();
        };
        waiters.add(check);
        closed.then(check);
        check();
      });
    },
    ended,
    closed,
    close: () => socket.terminate(),
  };
  return client;
}
