/**
 * The one public port: a Bun.listen TCP listener whose every connection starts as a
 * FrontConnection. Bind failures become a ListenError that says what to do. Past
 * --max-connections a new connection is closed at once (connection-cap.ts).
 */
import { ListenError } from "../errors.ts";
import type { FrontContext } from "./context.ts";
import { slotHandlers, unowned, type SocketSlot } from "../net/endpoint.ts";
import { FrontConnection } from "./connection.ts";
import type { TCPSocketListener } from "bun";

/** A client socket's slot; `counted` while it holds a place under the connection cap. */
interface ClientSlot extends SocketSlot {
  counted?: boolean;
}


/**
 * The public listener. pause() closes the listening socket (clients then get a refused
 * connect at once) and resume() binds the same port again: Bun has no way to stop accepting
 * for a while, and at the fd limit its accept loop spins (fd-watch.ts).
 */
export interface FrontListener {
  readonly port: number;
  readonly paused: boolean;
  pause(): void;
  /** False when the port could not be bound again yet. */
  resume(): boolean;
  stop(closeActiveConnections?: boolean): void;
}

export function listenFront(ctx: FrontContext): FrontListener {
  const { host } = ctx.options;
  let current: TCPSocketListener<SocketSlot> | undefined = bind(ctx, ctx.options.port);
  const port = current.port;
  return {
    port,
    get paused() {
      return current === undefined;
    },
    pause() {
      current?.stop(false);
      current = undefined;
    },
    resume() {
      if (current) return true;
      try {
        current = bind(ctx, port);
        return true;
      } catch (error) {
        ctx.log.debug(`cannot listen on ${host}:${port} again yet: ${(error as Error).message}`);
        return false;
      }
    },
    stop(closeActiveConnections = false) {
      current?.stop(closeActiveConnections);
      current = undefined;
    },
  };
}

function bind(ctx: FrontContext, port: number): TCPSocketListener<SocketSlot> {
  const { host } = ctx.options;
  try {
    return Bun.listen<SocketSlot>({
      hostname: host,
      port,
      allowHalfOpen: true,
      exclusive: true,
      data: { owner: unowned, poll: ctx.poll },
      socket: {
        ...slotHandlers,
        open: (socket) => {
          const slot: ClientSlot = { owner: unowned, poll: ctx.poll };
          socket.data = slot;
          const peer = ctx.access.admit(socket.remoteAddress);
          // Refused by --allow-client: closed before a byte is read or written.
          if (!peer) return void socket.terminate();
          // Past the cap: closed before a byte is read, so it costs one accept and one close.
          if (!ctx.cap.admit()) return void socket.end();
          slot.counted = true;
          new FrontConnection(socket, ctx, peer);
        },
        close: (socket, error) => {
          const slot: ClientSlot = socket.data;
          if (slot.counted) {
            slot.counted = false;
            ctx.cap.release();
          }
          slotHandlers.close!(socket, error);
        },
      },
    });
  } catch (error) {
    throw bindError(error, host, port);
  }
}

function bindError(error: unknown, host: string, port: number): ListenError {
  const code = (error as { code?: string }).code ?? "EUNKNOWN";
  switch (code) {
    case "EADDRINUSE":
      return new ListenError(
        `port ${port} is already in use\n  Find what holds it with: lsof -i :${port}   (or choose another port with -p)`,
        code,
      );
    case "EACCES":
    case "EPERM":
      return new ListenError(`no permission to listen on ${host}:${port}; ports below 1024 need root, pick another with -p`, code);
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_NONAME":
      return new ListenError(`cannot listen on ${host}: no such local address (try 127.0.0.1)`, code);
    default:
      return new ListenError(`cannot listen on ${host}:${port}: ${(error as Error).message ?? String(error)}`, code);
  }
}
