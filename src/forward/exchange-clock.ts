/**
 * A forwarded request's two clocks, one for each side that can stall it:
 *
 *   the client's request body: no byte for --idle-timeout ─▶ expired(408)
 *   the upstream: no response head within --response-timeout of the last request byte we
 *                 sent it ─▶ expired(504)
 *
 * An upload is progress for both: each byte re-arms the body clock as it arrives and the
 * upstream's as it is sent on. The body clock (a StallClock, as the app link keeps) does not
 * blame a client that we stopped reading (paused while the upstream does not take the body):
 * the upstream's clock runs then.
 */
import { StallClock } from "../net/stall-clock.ts";

/** What ran out, answered as it says: `408` (the client's body), `504` (the upstream). */
export type Expired = (status: 408 | 504, message: string) => void;

export class ExchangeClock {
  private readonly body: StallClock;
  private response: Timer | undefined;

  /** `upstream`: the `host:port` the request goes to; `clientPaused`: we are not reading the client. */
  constructor(
    private readonly options: { idleTimeoutMs: number; responseTimeoutMs: number },
    private readonly upstream: string,
    clientPaused: () => boolean,
    private readonly expired: Expired,
  ) {
    const ms = options.idleTimeoutMs;
    this.body = new StallClock(ms, clientPaused, () => expired(408, `request body not received in time (no byte for ${ms / 1000}s)`));
  }

  /** Request-body bytes arrived (or the body is about to start): the client's clock starts again. */
  bodyProgress(): void {
    this.body.progress();
  }

  /** The whole body is in. */
  bodyDone(): void {
    this.body.stop();
  }

  /** The request is on an upstream connection: its clock starts. */
  awaitResponse(): void {
    const ms = this.options.responseTimeoutMs;
    clearTimeout(this.response);
    this.response = setTimeout(() => this.expired(504, `no response from ${this.upstream} within ${ms / 1000}s`), ms);
  }

  /** Request bytes went to the upstream: its clock starts again, if it is waiting for a head. */
  sentUp(): void {
    this.response?.refresh();
  }

  /** A response head came (or the connection is to be retried): the upstream's clock stops. */
  responded(): void {
    clearTimeout(this.response);
    this.response = undefined;
  }

  stop(): void {
    this.body.stop();
    this.responded();
  }
}
