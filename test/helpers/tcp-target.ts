/**
 * A TCP server on loopback for CONNECT tests. By default it echoes; `onData`/`onEnd` let a
 * test script a peer (reply late after FIN, hang up, stay silent). It tracks its sockets so a
 * test can see whether the proxy closed its side.
 */
import type { Socket, TCPSocketListener } from "bun";

export interface TargetPeer {
  socket: Socket<undefined>;
  received: Buffer[];
  ended: boolean;
  closed: boolean;
}

export interface TcpTarget extends AsyncDisposable {
  port: number;
  hostname: string;
  peers: TargetPeer[];
  stop(): void;
}

export interface TcpTargetOptions {
  hostname?: string;
  onOpen?(peer: TargetPeer): void;
  onData?(peer: TargetPeer, data: Buffer): void;
  onEnd?(peer: TargetPeer): void;
}

export function startTcpTarget(options: TcpTargetOptions = {}): TcpTarget {
  const peers: TargetPeer[] = [];
  const byPeer = new WeakMap<Socket<undefined>, TargetPeer>();
  // The echo keeps its own queue: Bun's write() takes what the kernel takes and no more.
  const backlog = new WeakMap<Socket<undefined>, Buffer[]>();
  const flush = (socket: Socket<undefined>) => {
    const queue = backlog.get(socket) ?? [];
    while (queue.length > 0) {
      const head = queue[0]!;
      const n = socket.write(head);
      if (n < 0) return;
      if (n < head.length) {
        queue[0] = head.subarray(n);
        return;
      }
      queue.shift();
    }
    const peer = byPeer.get(socket);
    if (peer?.ended && !options.onEnd) socket.shutdown();
  };
  const echo = (peer: TargetPeer, data: Buffer) => {
    const queue = backlog.get(peer.socket) ?? [];
    backlog.set(peer.socket, queue);
    queue.push(data);
    flush(peer.socket);
  };
  const listener: TCPSocketListener<undefined> = Bun.listen({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      open(socket) {
        const peer: TargetPeer = { socket, received: [], ended: false, closed: false };
        byPeer.set(socket, peer);
        peers.push(peer);
        options.onOpen?.(peer);
      },
      data(socket, data) {
        const peer = byPeer.get(socket)!;
        peer.received.push(Buffer.from(data));
        (options.onData ?? echo)(peer, Buffer.from(data));
      },
      end(socket) {
        const peer = byPeer.get(socket)!;
        peer.ended = true;
        if (options.onEnd) options.onEnd(peer);
        else if ((backlog.get(socket)?.length ?? 0) === 0) socket.shutdown();
      },
      drain: flush,
      close(socket) {
        const peer = byPeer.get(socket);
        if (peer) {
          peer.ended = true;
          peer.closed = true;
        }
      },
    },
  });
  const stop = () => {
    listener.stop(true);
  };
  return {
    port: listener.port,
    hostname: listener.hostname,
    peers,
    stop,
    [Symbol.asyncDispose]: async () => stop(),
  };
}
