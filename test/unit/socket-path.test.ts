import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createAppSocketPath } from "../../src/app/socket-path.ts";

// start() makes one of these per app listener (two under --auth loopback-free) and removes each on close().
test("every app socket gets its own path, and a socket file's private folder is gone after remove()", () => {
  const [a, b] = [createAppSocketPath("darwin"), createAppSocketPath("darwin")];
  expect(a.path).not.toBe(b.path);
  for (const socket of [a, b]) {
    writeFileSync(socket.path, ""); // stands in for the socket Bun.serve would leave behind
    socket.remove();
    expect(existsSync(socket.path)).toBe(false);
    expect(existsSync(dirname(socket.path))).toBe(false);
  }
  const [x, y] = [createAppSocketPath("linux"), createAppSocketPath("linux")];
  expect(x.path.startsWith("\0")).toBe(true); // abstract: nothing on disk
  expect(x.path).not.toBe(y.path);
});
