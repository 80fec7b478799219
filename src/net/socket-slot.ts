/**
 * What every raw Bun socket we own carries as its data: the owner its events go to.
 *
 *   Bun event (data, drain, end, close, error) ─slotHandlers─▶ socket.data.owner (an Endpoint,
 *   or `unowned` / a connect attempt's watcher before the socket has one)
 */
import type { Socket, SocketHandler } from "bun";
import type { BusyPoll } from "./busy-poll.ts";

export interface SocketOwner {
  onData(chunk: Uint8Array): void;
  onDrain(): void;
  /** The remote sent FIN: it will send nothing more (it may still read). */
  onEnd(): void;
  /** The socket is gone; `error` when it went abnormally (reset, TLS failure). */
  onClose(error?: Error): void;
}

export interface SocketSlot {
  owner: SocketOwner;
  /** The proxy's busy poller: every read keeps its loop awake a little longer. */
  poll?: BusyPoll;
}

export type RawSocket = Socket<SocketSlot>;

/** The owner of a socket before anyone has claimed it: ignores everything. */
export const unowned: SocketOwner = { onData() {}, onDrain() {}, onEnd() {}, onClose() {} };

/** The one handler set for every raw socket: listener and Bun.connect alike. */
export const slotHandlers: SocketHandler<SocketSlot> = {
  data: (socket, chunk) => {
    const slot = socket.data;
    slot.poll?.kick();
    slot.owner.onData(chunk);
  },
  drain: (socket) => socket.data.owner.onDrain(),
  end: (socket) => socket.data.owner.onEnd(),
  close: (socket, error) => socket.data.owner.onClose(error),
  error: (socket, error) => socket.data.owner.onClose(error),
};
