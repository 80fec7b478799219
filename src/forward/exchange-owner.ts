/** The contract between a client connection (ForwardSession) and the exchange it runs. */
import type { ForwardContext } from "./context.ts";
import type { Peer } from "../security/access.ts";
import type { Endpoint } from "../net/endpoint.ts";
import type { HttpUrlTarget } from "./target.ts";
import type { UpstreamPool } from "./upstream-pool.ts";

/** What an exchange needs from the client connection that owns it. */
export interface ExchangeOwner {
  ctx: ForwardContext;
  pool: UpstreamPool;
  client: Endpoint;
  clientName: string;
  /** The client's standing: destination rules and which app "self" requests go to depend on it. */
  peer: Peer;
  /** Is `target` this proxy itself? Then the internal app serves it. */
  isSelf(target: HttpUrlTarget): boolean;
  /** The exchange is over; `closeClient` when the client connection must close now. */
  finished(closeClient: boolean): void;
  /**
   * The client socket now belongs to a raw pipe (after 101). Returns the bytes the client sent
   * behind its upgrade request, which belong to the new protocol and go upstream first.
   */
  upgraded(): Uint8Array;
  pauseClient(): void;
  resumeClient(): void;
}
