/**
 * Bulk transfer peers for tunnel tests: each side sends a large buffer (partial writes
 * continued on drain, as Bun requires), hashes what it receives, and can read slowly.
 */
import { createHash, type Hash } from "node:crypto";
import type { Socket } from "bun";

export interface BulkPeer {
  received: number;
  hash: Hash;
  /** Resolves once `expected` bytes have arrived. */
  receivedAll: Promise<void>;
  /** Resolves once all of `payload` is handed to the kernel. */
  sent: Promise<void>;
}

interface PeerState {
  peer: BulkPeer;
  payload: Uint8Array;
  offset: number;
  slowMs: number;
  expected: number;
  skipHead: number;
  onAll: () => void;
  onSent: () => void;
}

function makeState(payload: Uint8Array, expected: number, slowMs: number, skipHead: number): PeerState {
  let onAll!: () => void;
  let onSent!: () => void;
  const peer: BulkPeer = {
    received: 0,
    hash: createHash("sha256"),
    receivedAll: new Promise((r) => (onAll = r)),
    sent: new Promise((r) => (onSent = r)),
  };
  return { peer, payload, offset: 0, slowMs, expected, skipHead, onAll: () => onAll(), onSent: () => onSent() };
}

function pump(socket: Socket<PeerState>): void {
  const s = socket.data;
  while (s.offset < s.payload.length) {
    const n = socket.write(s.payload.subarray(s.offset, Math.min(s.payload.length, s.offset + (1 << 20))));
    if (n <= 0) return;
    s.offset += n;
  }
  s.onSent();
}

function receive(socket: Socket<PeerState>, data: Uint8Array): void {
  const s = socket.data;
  let bytes = data;
  if (s.skipHead > 0) {
    const skip = Math.min(s.skipHead, bytes.length);
    s.skipHead -= skip;
    bytes = bytes.subarray(skip);
  }
  s.peer.received += bytes.length;
  s.peer.hash.update(bytes);
  if (s.peer.received >= s.expected) s.onAll();
  if (s.slowMs > 0) {
    socket.pause();
    setTimeout(() => socket.resume(), s.slowMs);
  }
}

const handlers = {
  data: receive,
  drain: pump,
};

/** A server that, per connection, sends `payload` and hashes `expected` bytes it receives. */
export function bulkServer(payload: Uint8Array, expected: number) {
  const peers: BulkPeer[] = [];
  const listener = Bun.listen<PeerState>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      ...handlers,
      open(socket) {
        socket.data = makeState(payload, expected, 0, 0);
        peers.push(socket.data.peer);
        pump(socket);
      },
    },
  });
  return { port: listener.port, peers, stop: () => listener.stop(true) };
}

/**
 * A client through the proxy: CONNECT, then send `payload`, reading slowly (`slowMs` pause per
 * chunk). The 200 head is skipped before hashing.
 */
export async function bulkTunnelClient(proxyPort: number, targetPort: number, payload: Uint8Array, expected: number, slowMs: number) {
  const head = `CONNECT 127.0.0.1:${targetPort} HTTP/1.1\r\n\r\n`;
  const established = "HTTP/1.1 200 Connection established\r\n\r\n";
  const state = makeState(payload, expected, slowMs, established.length);
  const socket = await Bun.connect<PeerState>({
    hostname: "127.0.0.1",
    port: proxyPort,
    data: state,
    socket: handlers,
  });
  socket.write(head);
  pump(socket);
  return { peer: state.peer, close: () => socket.terminate() };
}
