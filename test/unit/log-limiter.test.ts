import { expect, test } from "bun:test";
import { LogLimiter } from "../../src/security/log-limiter.ts";

test("logs the first failure per key at once, holds back repeats for a minute, then says how many", () => {
  const lines: string[] = [];
  let now = 0;
  const limiter = new LogLimiter((line) => lines.push(line), 60_000, () => now);
  limiter.note("a", "a failed");
  for (let i = 0; i < 500; i++) limiter.note("a", "a failed");
  limiter.note("b", "b failed");
  expect(lines).toEqual(["a failed", "b failed"]);
  now = 61_000;
  limiter.note("a", "a failed");
  expect(lines).toEqual(["a failed", "b failed", "a failed (500 more in the last 61 s)"]);
});
