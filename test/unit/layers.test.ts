/**
 * Imports run downhill only: cli → start → front → forward / app → net.
 *
 *   every src/**.ts ─scan imports─▶ (from layer, to layer) ─▶ uphill or sideways? fail, naming the file
 *
 * Files outside these layers (bytes, errors, log, options, security/, status/, mcp/…) are not ranked here.
 */
import { describe, expect, test } from "bun:test";
import { Glob } from "bun";
import { dirname, join, relative } from "node:path";

const root = join(import.meta.dir, "../../src");

/** Higher imports lower; equal ranks with different names (forward, app) do not import each other. */
const ranks: Record<string, number> = { cli: 5, start: 4, front: 3, forward: 2, app: 2, net: 1 };

function layerOf(path: string): string | undefined {
  const [first] = path.split("/");
  if (path === "cli.ts" || first === "commands") return "cli";
  if (path === "start.ts") return "start";
  return first && first in ranks && path.includes("/") ? first : undefined;
}

/** The src-relative paths `file` imports (static, type-only and dynamic). */
function importsOf(file: string, source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](\.[^"']+)["']/g)) {
    found.push(relative(root, join(root, dirname(file), match[1]!)));
  }
  return found;
}

/** "a.ts → b.ts (front → forward)" for every import that does not run downhill. */
function violations(files: Map<string, string>): string[] {
  const bad: string[] = [];
  for (const [file, source] of files) {
    const from = layerOf(file);
    if (!from) continue;
    for (const target of importsOf(file, source)) {
      const to = layerOf(target);
      if (!to || to === from) continue;
      if (ranks[to]! >= ranks[from]!) bad.push(`${file} → ${target} (${from} → ${to})`);
    }
  }
  return bad;
}

describe("layers", () => {
  test("no import in src/ runs uphill or sideways (net never imports front/forward/app; forward never front)", async () => {
    const files = new Map<string, string>();
    for await (const path of new Glob("**/*.ts").scan(root)) files.set(path, await Bun.file(join(root, path)).text());
    expect(files.size).toBeGreaterThan(50);
    expect(violations(files)).toEqual([]);
  });

  test("the check itself catches an uphill import (so it cannot pass vacuously)", () => {
    const files = new Map([
      ["net/pipe.ts", 'import type { Exchange } from "../forward/exchange.ts";'],
      ["forward/x.ts", 'import { FrontConnection } from "../front/connection.ts";\nimport { pipe } from "../net/pipe.ts";'],
      ["app/y.ts", 'const m = await import("../forward/exchange.ts");'],
    ]);
    expect(violations(files)).toEqual([
      "net/pipe.ts → forward/exchange.ts (net → forward)",
      "forward/x.ts → front/connection.ts (forward → front)",
      "app/y.ts → forward/exchange.ts (app → forward)",
    ]);
  });
});
