/**
 * The floor for bench-churn: the least a CONNECT proxy on one Bun thread can do per tunnel.
 * Parse the target, connect, answer 200, relay bytes, pass each FIN on, close when both
 * sides are done; no timeouts, registry, limits, status or logs, no write queue (the churn
 * tunnels carry nothing). Only the benchmark uses it: it shows how much of a churn cycle is
 * the runtime and the kernel, and how much is our own per-tunnel work on top.
 *
 * listenBareTunnelTwice() runs it on two threads (a second listener on the same port, in a
 * Worker: bench-churn-floor-thread.ts): what a second front thread would give, measured.
 */
import { currentThreadId } from "./bench-cpu.ts";
import { within } from "./bench-util.ts";
import type { Socket } from "bun";

interface Side {
  peer?: Socket<Side>;
  finIn?: boolean;
}

const ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";

function passFin(from: Socket<Side>, to: Socket<Side>): void {
  from.data.finIn = true;
  to.shutdown();
  if (to.data.finIn) {
    to.end();
    from.end();
  }
}

export interface BareTunnel {
  port: number;
  /** The kernel thread ids that run it, for reading their CPU time from /proc. */
  threadIds: number[];
  stop(): void;
}

export function listenBareTunnel(): BareTunnel {
  return listenOn(0, false);
}

/**
 * The floor on two threads: this one and a Worker's, each with a listener on the same port.
 * With SO_REUSEPORT Linux spreads incoming connections over both; macOS does not, so this is
 * for Linux only.
 */
export async function listenBareTunnelTwice(): Promise<BareTunnel> {
  const first = listenOn(0, true);
  const worker = new Worker(new URL("./bench-churn-floor-thread.ts", import.meta.url).href);
  try {
    const listening = new Promise<number>((resolve, reject) => {
      worker.addEventListener("message", (event: MessageEvent<number>) => resolve(event.data));
      worker.addEventListener("error", (event) => reject(new Error(`the floor's second thread crashed: ${event.message}`)));
      worker.postMessage(first.port);
    });
    const threadId = await within(listening, "the floor's second listener", 10_000);
    return { port: first.port, threadIds: [...first.threadIds, threadId], stop: () => (first.stop(), worker.terminate()) };
  } catch (error) {
    first.stop();
    worker.terminate();
    throw error;
  }
}

/**
 * A bare tunnel listener on `port` (0: a free one); `reusePort` lets a listener on another
 * thread share the port (Bun takes the option at run time; its types list it for connect only).
 */
export function listenOn(port: number, reusePort: boolean): BareTunnel {
  const sharing = { reusePort } as object;
  const listener = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port,
    ...sharing,
    allowHalfOpen: true,
    data: {},
    socket: {
      open: (client) => void (client.data = {}),
      data: (client, chunk) => {
        if (client.data.peer) return void client.data.peer.write(chunk);
        const line = chunk.toString("latin1", 0, chunk.indexOf(13));
        const [, authority = ""] = line.split(" ");
        const colon = authority.lastIndexOf(":");
        Bun.connect<Side>({
          hostname: authority.slice(0, colon),
          port: Number(authority.slice(colon + 1)),
          allowHalfOpen: true,
          data: { peer: client },
          socket: {
            open: (upstream) => {
              client.data.peer = upstream;
              client.write(ESTABLISHED);
            },
            data: (_, bytes) => void client.write(bytes),
            end: (upstream) => passFin(upstream, client),
            close: () => void client.end(),
          },
        }).catch(() => client.end());
      },
      end: (client) => void (client.data.peer && passFin(client, client.data.peer)),
      close: (client) => void client.data.peer?.end(),
    },
  });
  return { port: listener.port, threadIds: [currentThreadId()], stop: () => listener.stop(true) };
}
