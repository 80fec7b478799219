/**
 * CONNECT host:port (RFC 9110 §9.3.6): open a TCP connection to the target, answer
 * `200 Connection established` (no Content-Length, no Transfer-Encoding), then relay bytes
 * both ways until both sides are done.
 *
 *   parse authority ─bad─▶ 400
 *   destination rules apply? ─▶ resolve, check every address ─refused─▶ 403 │ connect to the checked address
 *   Bun.connect ─refused/DNS─▶ 502, ─timeout─▶ 504
 *            └─open─▶ 200 + pipe ─close─▶ one log line
 */
import { describeErrno, HttpError, statusForErrno } from "../errors.ts";
import { slotHandlers, type Endpoint, type SocketSlot } from "../net/endpoint.ts";
import { handoff } from "../net/handoff.ts";
import { respondAndClose } from "../net/raw-response.ts";
import type { ForwardContext } from "./context.ts";
import type { Peer } from "../security/access.ts";
import { formatTarget, parseAuthority, type Target } from "./target.ts";

const ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";

/** `client` is the connection's one Endpoint: a response still queued on it goes out before the 200. */
export function openTunnel(ctx: ForwardContext, client: Endpoint, authority: string, early: Uint8Array, peer: Peer): void {
  const started = performance.now();
  const from = `${client.socket.remoteAddress}`;
  let target: Target;
  try {
    target = parseAuthority(authority);
  } catch (error) {
    const { status, message } = error as HttpError;
    ctx.log.warn(`${from} CONNECT - ${status} ${message}`);
    respondAndClose(client, status, message);
    return;
  }
  const name = formatTarget(target);
  ctx.log.debug(`${from} CONNECT ${name} connecting`);
  const guard = ctx.access.destinations;
  const connect = (host: string, slot: SocketSlot) =>
    Bun.connect({ hostname: host, port: target.port, allowHalfOpen: true, data: slot, socket: slotHandlers });
  const flow = ctx.traffic.start("tunnel", from, name, () => `CONNECT ${name}`);
  const connecting = performance.now();
  handoff(client, ctx.registry, {
    // With no rule to apply (a loopback client, no --allow-dest/--deny-dest): no lookup of our own.
    connect: (slot) =>
      guard.applies(peer.loopback) ? guard.check(target.host, peer.loopback).then((address) => connect(address, slot)) : connect(target.host, slot),
    timeoutMs: ctx.options.connectTimeoutMs,
    early,
    greeting: ESTABLISHED,
    poll: ctx.poll,
    onFail(error, timedOut) {
      if (error instanceof HttpError) {
        ctx.log.warn(`${from} CONNECT ${name} - ${error.status} ${error.message}`);
        flow.end(error.status, "rejected");
        return respondAndClose(client, error.status, error.message);
      }
      const status = timedOut ? 504 : statusForErrno(error);
      const cause = timedOut ? `ETIMEDOUT connect timed out after ${ctx.options.connectTimeoutMs / 1000}s` : describeErrno(error);
      ctx.log.error(`${name} - ${cause}`);
      ctx.traffic.failed(name, error);
      flow.end(status, timedOut ? "timeout" : "unreachable", error);
      respondAndClose(client, status, `cannot reach ${name}: ${cause}`);
    },
    onAbandon: () => flow.end(0, "aborted"),
    onLinked(down, upstream) {
      ctx.traffic.connected(performance.now() - connecting);
      flow.bytes = { up: () => down.bytesRead, down: () => upstream.bytesRead };
    },
    onDone({ client: down, upstream, error }) {
      const ms = Math.round(performance.now() - started);
      const tail = error ? ` (${describeErrno(error)})` : "";
      ctx.log.info(`${from} CONNECT ${name} 200 up ${down.bytesRead} B, down ${upstream.bytesRead} B, ${ms} ms${tail}`);
      flow.end(200, "ok", error);
    },
  });
}
