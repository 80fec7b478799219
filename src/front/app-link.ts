/**
 * An origin-form client connection handed to the internal app, with the bounds the app itself
 * cannot keep (issue 11): the front watches the messages go by (AppTraffic) and closes the
 * connection when it sits idle past --idle-timeout, or when a request head takes longer than
 * --header-timeout. A request in flight (an SSE stream, a slow tool, a pending
 * --json-response call) has no timeout at all.
 *
 *   client ──handoff──▶ app (unix socket)     bytes both ways ─▶ AppTraffic state
 *     idle ─▶ timer(idleTimeoutMs) ─▶ close both      busy ─▶ no timer
 *     head ─▶ timer(headerTimeoutMs) ─▶ 408, close    broken ─▶ timer(headerTimeoutMs) ─▶ close
 *     body ─▶ timer(idleTimeoutMs), re-armed by every client byte ─▶ 408, close (nginx's
 *             client_body_timeout); not while the app is the one not reading (client paused)
 *
 * Why here and not in Bun.serve (measured with Bun 1.4.5 for issue 11): its idleTimeout counts
 * whole seconds and fires late (timer slots of ~4 s); a head sent a byte every 150 ms to a server
 * with idleTimeout 1 was cut only after 10 s; and on a unix socket the
 * per-request server.timeout(req, 0) that would spare streams and slow requests is ignored (a
 * request held 4 s was cut; over TCP it was answered). Moving the app to loopback TCP would fix
 * only the last, and open a port other local users can reach. The front already owns both
 * sockets, so it keeps the clock, to the millisecond.
 */
import type { FrontContext } from "./context.ts";
import { slotHandlers, type Endpoint } from "../net/endpoint.ts";
import { handoff } from "../net/handoff.ts";
import { plainResponse, respondAndClose } from "../net/raw-response.ts";
import { AppTraffic, type AppTrafficState } from "./app-traffic.ts";
import { OUT_OF_FDS } from "../forward/upstream-failure.ts";
import { StallClock } from "../net/stall-clock.ts";

/** `head`: the client's bytes so far, a complete request head first. */
export function linkToApp(ctx: FrontContext, client: Endpoint, trusted: boolean, head: Uint8Array): void {
  const appSocket = ctx.appSocket(trusted);
  let ends: { client: Endpoint; app: Endpoint } | undefined;
  // One timer of each kind per connection, re-armed with refresh() rather than a fresh
  // setTimeout per request. A timer that fires in another state than the one it was armed for
  // does nothing; refresh() arms it again (even after it fired) when it is needed.
  let idleTimer: Timer | undefined;
  let headTimer: Timer | undefined;
  // Paused: the app is not taking the body (its queue is full), so the stall is not the client's.
  const body = new StallClock(ctx.options.idleTimeoutMs, () => ends?.client.paused ?? false, cutBody);
  const traffic = new AppTraffic((state) => arm(state));

  function arm(state: AppTrafficState): void {
    if (!ends) return;
    if (state === "idle") (idleTimer ??= setTimeout(closeIdle, ctx.options.idleTimeoutMs)).refresh();
    else if (state === "head" || state === "broken") (headTimer ??= setTimeout(cutHead, ctx.options.headerTimeoutMs)).refresh();
    else if (state === "body") body.progress();
  }

  function cutBody(): void {
    if (!ends || traffic.state !== "body") return;
    const { client, app } = ends;
    ctx.log.warn(`request body stalled: no byte for ${ctx.options.idleTimeoutMs / 1000}s, connection closed`);
    // The app may have answered already without waiting for the body: then no second answer.
    if (traffic.unanswered) client.write(plainResponse(408, "request body not received in time"));
    client.end();
    app.destroy();
  }

  function closeIdle(): void {
    if (!ends || traffic.state !== "idle") return;
    const { client, app } = ends; // ending one may end the link (and clear ends) at once
    client.end();
    app.end();
  }

  function cutHead(): void {
    const state = traffic.state;
    if (!ends || (state !== "head" && state !== "broken")) return;
    const { client, app } = ends;
    // Nothing is in flight (that would be busy): the 408 cannot interleave with a response.
    if (state === "head") client.write(plainResponse(408, "request head not received in time"));
    client.end();
    app.destroy();
  }

  // No busy polling: the app's replies come from child processes that need the CPU
  // themselves, and polling for them would only compete (measured: /mcp got slower with it).
  handoff(client, ctx, {
    connect: (slot) => Bun.connect({ unix: appSocket, allowHalfOpen: true, data: slot, socket: slotHandlers }),
    timeoutMs: ctx.options.connectTimeoutMs,
    early: head.slice(),
    onFail(error, timedOut) {
      if (timedOut) {
        ctx.log.error(`internal app unreachable: ${String(error)}`);
        return respondAndClose(client, 502, "internal server unavailable");
      }
      // The app listens in this very process, so a refused connect means no fd was left for it:
      // Bun 1.4.5 reports EMFILE on connect as ECONNREFUSED "Failed to connect" (measured).
      ctx.cap.exhausted(error);
      respondAndClose(client, 503, OUT_OF_FDS);
    },
    onLinked(client, app) {
      ends = { client, app };
      // Watch every byte on its way (handoff calls this after pipe() set the relays).
      const up = client.onChunk;
      client.onChunk = (chunk) => {
        traffic.fromClient(chunk);
        // Progress on a body: its stall clock starts again (a state change re-arms by itself).
        if (traffic.state === "body") body.progress();
        up(chunk);
      };
      const down = app.onChunk;
      app.onChunk = (chunk) => {
        traffic.fromApp(chunk);
        down(chunk);
      };
    },
    onDone() {
      clearTimeout(idleTimer);
      clearTimeout(headTimer);
      body.stop();
      ends = undefined;
    },
  });
}
