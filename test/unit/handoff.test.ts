/**
 * handoff(): the client waits while its upstream connects. A client that sends nothing more
 * is never paused (each pause/resume pair costs Bun four syscalls and two wake-ups); one that
 * does is paused after that chunk, and every byte reaches the upstream in order, early bytes first.
 *
 *   client ─(upstream connecting)─▶ chunks kept, paused after the first │ open ─▶ greeting, kept bytes, resumed
 */
import { describe, expect, test } from "bun:test";
import { handoff } from "../../src/net/handoff.ts";
import { Registry } from "../../src/net/registry.ts";
import { Deadlines } from "../../src/net/deadlines.ts";
import type { RawSocket } from "../../src/net/endpoint.ts";
import { StubSocket, stubEndpoint } from "../helpers/stub-socket.ts";
import { within } from "../helpers/wait.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function connecting(early = "", onAbandon?: () => void, timeoutMs = 10_000, onFail?: (error: unknown, timedOut: boolean) => void) {
  const client = stubEndpoint();
  const upstream = new StubSocket();
  let open!: () => void;
  const opened = new Promise<RawSocket>((resolve) => (open = () => resolve(upstream as unknown as RawSocket)));
  const registry = new Registry();
  const deadlines = new Deadlines();
  let linked = false;
  handoff(client.endpoint, { registry, deadlines }, {
    connect: () => opened,
    timeoutMs,
    early: bytes(early),
    greeting: "HTTP/1.1 200 Connection established\r\n\r\n",
    onFail:
      onFail ??
      (() => {
        throw new Error("unexpected failure");
      }),
    onLinked: () => (linked = true),
    onAbandon,
  });
  return { client, upstream, registry, deadlines, open: async () => (open(), await opened, await Promise.resolve()), linked: () => linked };
}

describe("handoff", () => {
  test("a client that waits for the greeting is never paused or resumed", async () => {
    const { client, upstream, open, linked } = connecting();
    await open();
    expect(linked()).toBe(true);
    expect(client.socket.text).toBe("HTTP/1.1 200 Connection established\r\n\r\n");
    expect(client.socket.calls.filter((c) => c === "pause" || c === "resume")).toEqual([]);
    expect(upstream.calls).toEqual([]);
  });

  test("a client that sends while the upstream connects is paused after that chunk and resumed once linked, bytes in order", async () => {
    const { client, upstream, open } = connecting("early ");
    client.endpoint.onData(bytes("more "));
    expect(client.socket.paused).toBe(true);
    client.endpoint.onData(bytes("late")); // already in flight when the pause came: kept, not lost
    await open();
    expect(upstream.text).toBe("early more late");
    expect(client.socket.paused).toBe(false);
    expect(client.socket.calls.filter((c) => c === "pause" || c === "resume")).toEqual(["pause", "resume"]);
  });

  test("a client's FIN while connecting becomes the upstream's FIN after the kept bytes", async () => {
    const { client, upstream, open } = connecting("hello");
    client.endpoint.onEnd();
    await open();
    expect(upstream.text).toBe("hello");
    expect(upstream.calls.at(-1)).toBe("shutdown");
  });

  test("is one registry entry from start to close: shutdown while connecting abandons it and closes a late upstream", async () => {
    let abandoned = 0;
    const { client, upstream, registry, open } = connecting("", () => abandoned++);
    expect(registry.size).toBe(1);
    registry.closeAll();
    expect(abandoned).toBe(1);
    expect(client.socket.calls).toContain("terminate");
    await open();
    expect(upstream.calls).toEqual(["terminate"]);
    expect(registry.size).toBe(0);
  });

  test("once linked, shutdown closes both sides through the same entry", async () => {
    const { client, upstream, registry, open, linked } = connecting();
    await open();
    expect(linked()).toBe(true);
    expect(registry.size).toBe(1);
    registry.closeAll();
    expect(client.socket.calls).toContain("terminate");
    expect(upstream.calls).toContain("terminate");
  });

  test("a connect past timeoutMs fails as timed out, and an upstream that opens later is closed", async () => {
    const failed = Promise.withResolvers<boolean>();
    const { upstream, deadlines, registry, open } = connecting("", undefined, 20, (_, timedOut) => failed.resolve(timedOut));
    expect(deadlines.size).toBe(1);
    expect(await within(failed.promise, 2_000)).toBe(true);
    expect(deadlines.size).toBe(0);
    expect(registry.size).toBe(0);
    await open();
    expect(upstream.calls).toEqual(["terminate"]);
  });

  test("linking cancels the connect deadline", async () => {
    const { deadlines, open } = connecting();
    expect(deadlines.size).toBe(1);
    await open();
    expect(deadlines.size).toBe(0);
  });
});
