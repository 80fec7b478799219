/**
 * A request body's stall clock (nginx's client_body_timeout): it runs out when the client sends
 * no byte for `ms`, but never while the proxy is the side not reading (the client paused by
 * backpressure: the upstream or the app is not taking the body). The forwarding path
 * (forward/exchange-clock.ts) and the app link (front/app-link.ts) both keep one.
 *
 *   progress() ─▶ armed again for `ms` ─▶ due: client paused? ─yes─▶ armed again
 *                                                              └no──▶ stalled()
 */
export class StallClock {
  private timer: Timer | undefined;

  constructor(
    private readonly ms: number,
    private readonly clientPaused: () => boolean,
    private readonly stalled: () => void,
  ) {}

  /** Body bytes arrived (or a body is about to start): the clock starts again. */
  progress(): void {
    (this.timer ??= setTimeout(() => this.due(), this.ms)).refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private due(): void {
    if (this.clientPaused()) this.timer!.refresh();
    else this.stalled();
  }
}
