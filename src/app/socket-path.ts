/**
 * Where the internal app listens. On Linux an abstract unix socket: nothing on disk, nothing
 * to clean up, unreachable from the network. Elsewhere (macOS) a socket file in a private
 * 0700 temporary folder, which `remove()` deletes: Bun.serve does not remove it for us.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface AppSocketPath {
  path: string;
  remove(): void;
}

/** `platform` is a parameter so the file form can be tested on Linux too. */
export function createAppSocketPath(platform: NodeJS.Platform = process.platform): AppSocketPath {
  if (platform === "linux") {
    return { path: `\0mcp-proxy-${process.pid}-${randomBytes(8).toString("hex")}`, remove() {} };
  }
  const dir = mkdtempSync(join(tmpdir(), "mcp-proxy-"));
  return {
    path: join(dir, "app.sock"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
