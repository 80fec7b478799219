/**
 * SseSink's hold: a quick answer leaves as one complete body, a slow one as a stream. Only a
 * response that starts before its first message begins with the opening.
 */
import { describe, expect, test } from "bun:test";
import { SseSink } from "../../src/mcp/sse-sink.ts";
import { within } from "../helpers/wait.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array | ReadableStream<Uint8Array>) => new Response(body).text();

function sink(onGone = () => {}): SseSink {
  return new SseSink({ keepaliveMs: 60_000, onGone });
}

describe("SseSink", () => {
  test("returns an answer that ends within the hold as bytes (one write with the head), without the opening", async () => {
    const s = sink();
    const started = s.hold(bytes("open;"), 5_000);
    s.send(bytes("answer;"));
    s.end();
    await within(started, 1000, "hold released by the answer");
    const body = s.body();
    expect(body).toBeInstanceOf(Uint8Array);
    expect(await text(body)).toBe("answer;");
  });

  test("returns a live stream after the wait when nothing came, and keeps feeding it", async () => {
    const s = sink();
    await within(s.hold(bytes("open;"), 5), 1000, "hold timing out");
    const body = s.body();
    expect(body).toBeInstanceOf(ReadableStream);
    s.send(bytes("late;"));
    s.end();
    expect(await text(body)).toBe("open;late;");
  });

  test("returns a live stream, its first message as the first chunk, when the flow goes on after it", async () => {
    const s = sink();
    const started = s.hold(bytes("open;"), 5_000);
    s.send(bytes("progress;"));
    await within(started, 1000, "hold released by the first message");
    const body = s.body() as ReadableStream<Uint8Array>;
    expect(body).toBeInstanceOf(ReadableStream);
    const reader = body.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("progress;");
    s.send(bytes("answer;"));
    s.end();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("answer;");
    expect((await reader.read()).done).toBe(true);
  });

  test("drops writes after the end instead of throwing", () => {
    const s = sink();
    s.end();
    expect(s.send(bytes("x"))).toBe(false);
    expect(s.open).toBe(false);
  });

  test("reports a client that cancels the live stream once, and not after end()", async () => {
    let gone = 0;
    const s = sink(() => gone++);
    s.send(bytes("hello"));
    await s.stream.cancel();
    s.abort();
    expect(gone).toBe(1);
    const ended = sink(() => gone++);
    ended.end();
    ended.abort();
    expect(gone).toBe(1);
  });
});
