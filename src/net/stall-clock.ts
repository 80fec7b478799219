/**
 * A request body's stall clock (nginx's client_body_timeout): it runs out when the client sends
 * no byte for `ms`, but never while the proxy is the side not reading (the client paused by
 * backpressure: the upstream or the app is not taking the body). The forwarding path
 * (forward/exchange-clock.ts) and the app link (front/app-link.ts) both keep one.
 *
 *   progress() ─▶ armed again for `ms` ─▶ due: client paused? ─yes─▶ armed again
 *                                                              └no──▶ paused at the last due?
 *                                                                      ─yes─▶ armed again (a whole
 *                                                                             period from the resume)
 *                                                                      └no──▶ stalled()
 *
 * Without that second look, a client resumed just before a due was cut before its next bytes
 * could arrive (seen in the slow-origin test, about 1 run in 6).
 */
export class StallClock {
  private timer: Timer | undefined;
  /** The client was paused at a due since the last progress: it is owed a whole period. */
  private waited = false;

  constructor(
    private readonly ms: number,
    private readonly clientPaused: () => boolean,
    private readonly stalled: () => void,
  ) {}

  /** Body bytes arrived (or a body is about to start): the clock starts again. */
  progress(): void {
    this.waited = false;
    (this.timer ??= setTimeout(() => this.due(), this.ms)).refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined; // a cleared Bun timer does not come back with refresh()
  }

  private due(): void {
    if (this.clientPaused()) this.waited = true;
    else if (this.waited) this.waited = false;
    else return this.stalled();
    this.timer!.refresh();
  }
}
