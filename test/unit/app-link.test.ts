/**
 * linkToApp()'s body clock when the app is the side not reading: the client is paused by
 * backpressure, so a body that stops arriving is not the client's stall and must not be cut.
 * Once the app reads again and the client is resumed, a body that still does not come is cut
 * with 408 after --idle-timeout.
 *
 *   stub client ─body─▶ Endpoint ─pipe─▶ real unix socket ─▶ an "app" that reads nothing (paused)
 *
 * Bun.serve, the real app, reads a POST body whole as it arrives, so end-to-end this branch is
 * out of reach; the forwarding path's counterpart is tested end to end in connection-bounds.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { linkToApp } from "../../src/front/app-link.ts";
import type { FrontContext } from "../../src/front/context.ts";
import { Deadlines } from "../../src/net/deadlines.ts";
import { Registry } from "../../src/net/registry.ts";
import { stubEndpoint } from "../helpers/stub-socket.ts";
import { letTimePass, waitFor } from "../helpers/wait.ts";

const IDLE_MS = 200;
const BODY_LENGTH = 16 * 1024 * 1024;
const CHUNK = new Uint8Array(64 * 1024).fill(0x78);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A unix socket "app" that takes the connection and reads nothing until resumed. */
function stuckApp(): { path: string; socket: () => Socket<undefined> | undefined; received: () => number } {
  const dir = mkdtempSync(join(tmpdir(), "mcp-proxy-app-link-"));
  const path = join(dir, "app.sock");
  let socket: Socket<undefined> | undefined;
  let received = 0;
  const listener = Bun.listen({
    unix: path,
    socket: {
      open(s) {
        socket = s;
        s.pause();
      },
      data(_, chunk) {
        received += chunk.length;
      },
    },
  });
  cleanups.push(() => {
    socket?.terminate();
    listener.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, socket: () => socket, received: () => received };
}

function frontContext(appSocket: string, warnings: string[]): FrontContext {
  const deadlines = new Deadlines();
  const registry = new Registry();
  cleanups.push(() => {
    registry.closeAll();
    deadlines.clear();
  });
  return {
    options: { idleTimeoutMs: IDLE_MS, headerTimeoutMs: 10_000, connectTimeoutMs: 5_000 },
    log: { warn: (line: string) => warnings.push(line), error: (line: string) => warnings.push(line), info() {}, debug() {} },
    registry,
    deadlines,
    appSocket: () => appSocket,
    cap: { exhausted() {} },
  } as unknown as FrontContext;
}

describe("linkToApp: the body clock", () => {
  test("waits while the app is the one not reading, and cuts the body with 408 once the app reads and the client still sends nothing", async () => {
    const app = stuckApp();
    const warnings: string[] = [];
    const client = stubEndpoint();
    const head = new TextEncoder().encode(`POST /messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${BODY_LENGTH}\r\n\r\n`);
    linkToApp(frontContext(app.path, warnings), client.endpoint, true, head);
    await waitFor(() => app.socket(), 3000, "the app to accept the link");

    // The client sends until the app's socket is full and the pipe pauses it.
    let sent = 0;
    while (!client.socket.paused && sent < BODY_LENGTH) {
      client.endpoint.onData(CHUNK);
      sent += CHUNK.length;
      await Promise.resolve();
    }
    expect(client.socket.paused).toBe(true);
    expect(sent).toBeLessThan(BODY_LENGTH);

    await letTimePass(IDLE_MS * 3); // three idle timeouts while the app takes nothing
    expect(client.socket.text).toBe("");
    expect(client.socket.calls).not.toContain("end");
    expect(warnings).toEqual([]);

    // The app reads again: the queue drains, the client is resumed, and it sends nothing more.
    app.socket()!.resume();
    await waitFor(() => !client.socket.paused, 5000, "the client to be resumed");
    await waitFor(() => app.received() === head.length + sent, 5000, "every byte the client sent to reach the app");
    await waitFor(() => client.socket.calls.includes("end"), IDLE_MS * 10, "the stalled body to be cut");
    expect(client.socket.text).toStartWith("HTTP/1.1 408");
    expect(client.socket.text).toContain("request body not received in time");
    expect(warnings.join("\n")).toContain("request body stalled");
  });
});
