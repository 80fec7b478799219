/**
 * What every connection handler of the front shares: the forwarding context (forward/ may
 * not import front/, so the fields it needs live there) plus whatever only the front uses.
 */
import type { ForwardContext } from "../forward/context.ts";
import type { ConnectionCap } from "./connection-cap.ts";

export interface FrontContext extends ForwardContext {
  /** Client connections open now against --max-connections. */
  cap: ConnectionCap;
}
