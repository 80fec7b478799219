/**
 * A stand-in for a Bun TCP socket, for the queue logic of Endpoint and pipe only: write()
 * takes what `room` allows (as the kernel does) and records it; drain is the test's call.
 *
 *   endpoint.write ─▶ stub.write (takes ≤ room) ─▶ sent bytes │ test: stub.room = n; endpoint.onDrain()
 */
import { Endpoint, unowned, type RawSocket, type SocketSlot } from "../../src/net/endpoint.ts";

export class StubSocket {
  data: SocketSlot = { owner: unowned };
  /** Bytes the "kernel" will still take; Infinity: all of them. */
  room = Infinity;
  readonly sent: number[] = [];
  /** Every call, in order: "write 5/3" (asked/took), "shutdown", "end", "terminate", "pause", "resume". */
  readonly calls: string[] = [];
  paused = false;

  write(bytes: Uint8Array): number {
    const n = Math.min(bytes.length, this.room);
    this.room -= n;
    for (const b of bytes.subarray(0, n)) this.sent.push(b);
    this.calls.push(`write ${bytes.length}/${n}`);
    return n;
  }
  shutdown(): void {
    this.calls.push("shutdown");
  }
  end(): void {
    this.calls.push("end");
  }
  terminate(): void {
    this.calls.push("terminate");
  }
  pause(): void {
    this.paused = true;
    this.calls.push("pause");
  }
  resume(): void {
    this.paused = false;
    this.calls.push("resume");
  }
  get text(): string {
    return String.fromCharCode(...this.sent);
  }
}

/** An Endpoint over a fresh stub, and the stub. */
export function stubEndpoint(): { endpoint: Endpoint; socket: StubSocket } {
  const socket = new StubSocket();
  return { endpoint: new Endpoint(socket as unknown as RawSocket), socket };
}
