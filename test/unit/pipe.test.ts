/**
 * pipe(): two Endpoints as one byte stream each way, over stub sockets.
 *
 *   a.data → b.write ─(b backlogged)─▶ a paused … b drained ─▶ a resumed
 *   a FIN → b FIN after b's queue │ a gone → b ended (clean) or destroyed (error) │ both gone → onDone once
 */
import { describe, expect, test } from "bun:test";
import { pipe, type PipeResult } from "../../src/net/pipe.ts";
import { stubEndpoint } from "../helpers/stub-socket.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function piped() {
  const a = stubEndpoint();
  const b = stubEndpoint();
  const done: PipeResult[] = [];
  pipe(a.endpoint, b.endpoint, (result) => done.push(result));
  return { a, b, done };
}

describe("pipe", () => {
  test("relays both ways in order", () => {
    const { a, b } = piped();
    a.endpoint.onData(bytes("ping "));
    a.endpoint.onData(bytes("again"));
    b.endpoint.onData(bytes("pong"));
    expect(b.socket.text).toBe("ping again");
    expect(a.socket.text).toBe("pong");
    expect(a.endpoint.bytesRead).toBe(10);
  });

  test("pauses the reading side while the other is backlogged and resumes it on drain", () => {
    const { a, b } = piped();
    b.socket.room = 4;
    a.endpoint.onData(bytes("0123456789"));
    expect(a.socket.paused).toBe(true);
    a.endpoint.onData(bytes("ab")); // already in flight when the pause came: queued, not lost
    expect(b.endpoint.queued).toBe(8);
    b.socket.room = Infinity;
    b.endpoint.onDrain();
    expect(a.socket.paused).toBe(false);
    expect(b.socket.text).toBe("0123456789ab");
  });

  test("passes a FIN on only after the queue before it is written (half-close: the other side may still answer)", () => {
    const { a, b } = piped();
    b.socket.room = 2;
    a.endpoint.onData(bytes("last"));
    a.endpoint.onEnd();
    expect(b.socket.calls).not.toContain("shutdown");
    b.socket.room = Infinity;
    b.endpoint.onDrain();
    expect(b.socket.calls.at(-1)).toBe("shutdown");
    b.endpoint.onData(bytes("answer after FIN"));
    expect(a.socket.text).toBe("answer after FIN");
  });

  test("a clean close ends the other side after its queue; onDone once, when both are gone", () => {
    const { a, b, done } = piped();
    b.socket.room = 0;
    a.endpoint.onData(bytes("tail"));
    a.endpoint.onClose();
    expect(b.socket.calls).not.toContain("end");
    b.socket.room = Infinity;
    b.endpoint.onDrain();
    expect(b.socket.text).toBe("tail");
    expect(b.socket.calls.at(-1)).toBe("end");
    expect(done).toEqual([]);
    b.endpoint.onClose();
    b.endpoint.onClose();
    expect(done).toEqual([{ error: undefined }]);
  });

  test("an error destroys the other side at once (its queue dropped) and is reported", () => {
    const { a, b, done } = piped();
    b.socket.room = 0;
    a.endpoint.onData(bytes("dropped"));
    const reset = new Error("ECONNRESET");
    a.endpoint.onClose(reset);
    expect(b.socket.calls.at(-1)).toBe("terminate");
    expect(b.endpoint.queued).toBe(0);
    b.endpoint.onClose();
    expect(done).toEqual([{ error: reset }]);
  });
});
