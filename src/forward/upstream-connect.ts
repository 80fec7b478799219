/**
 * Opens a new upstream connection for forwarding: TCP to the target, or the internal app's
 * unix socket when the target is this proxy itself (no loop through our own port). A connect
 * slower than connectTimeoutMs rejects with ETIMEDOUT, which the errno table maps to 504.
 */
import { ConnectTimeout } from "../errors.ts";
import type { ForwardContext } from "./context.ts";
import { Endpoint, slotHandlers, unowned, type RawSocket, type SocketSlot } from "../net/endpoint.ts";
import type { Target } from "./target.ts";


export interface Connecting {
  promise: Promise<Endpoint>;
  /** Gives up: a socket that opens later is closed at once. */
  cancel(): void;
}

/** `app`: the internal app's socket to connect to instead of the target (the target is this proxy). */
export function connectUpstream(ctx: ForwardContext, target: Target, app: string | undefined): Connecting {
  let cancelled = false;
  let timer: Timer | undefined;
  const slot: SocketSlot = { owner: unowned, poll: ctx.poll };
  const opening: Promise<RawSocket> = app
    ? Bun.connect({ unix: app, allowHalfOpen: true, data: slot, socket: slotHandlers })
    : Bun.connect({ hostname: target.host, port: target.port, allowHalfOpen: true, data: slot, socket: slotHandlers });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cancelled = true;
      reject(new ConnectTimeout());
    }, ctx.options.connectTimeoutMs);
  });
  const open = opening.then((socket) => {
    if (cancelled) {
      socket.terminate();
      throw new Error("cancelled");
    }
    return new Endpoint(socket);
  });
  // The loser of the race must not become an unhandled rejection.
  open.catch(() => {});
  return {
    promise: Promise.race([open, timeout]).finally(() => clearTimeout(timer)),
    cancel: () => {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}
