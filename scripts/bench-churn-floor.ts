/**
 * The floor for bench-churn: the least a CONNECT proxy on one Bun thread can do per tunnel.
 * Parse the target, connect, answer 200, relay bytes, pass each FIN on, close when both
 * sides are done; no timeouts, registry, limits, status or logs, no write queue (the churn
 * tunnels carry nothing). Only the benchmark uses it: it shows how much of a churn cycle is
 * the runtime and the kernel, and how much is our own per-tunnel work on top.
 */
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

export function listenBareTunnel(): { port: number; stop(): void } {
  const listener = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
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
  return { port: listener.port, stop: () => listener.stop(true) };
}
