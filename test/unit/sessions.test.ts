import { describe, expect, test } from "bun:test";
import { HttpError } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";
import { SessionBudget, Sessions } from "../../src/mcp/sessions.ts";
import { processGone } from "../helpers/mcp-children.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { waitFor } from "../helpers/wait.ts";

function sessions(argv: string[], maxSessions = 4, budget?: SessionBudget) {
  const logs: string[] = [];
  const table = new Sessions({
    budget,
    argv,
    env: process.env,
    keepaliveMs: 15_000,
    idleMs: 60_000,
    killTimeoutMs: 1000,
    initTimeoutMs: 60_000,
    basePath: "",
    maxLineBytes: 1024 * 1024,
    stdinBufferBytes: 1024 * 1024,
    stdinStallMs: 30_000,
    maxSessions,
    log: createLogger("verbose", (line) => void logs.push(line)),
  });
  return { table, logs };
}

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
  return undefined;
}

describe("Sessions", () => {
  test("finds sessions by id, and forgets them when they close", async () => {
    const { table } = sessions(echoServer());
    const session = table.openSse();
    expect(table.get(session.id)).toBe(session);
    await session.close("test");
    expect(table.get(session.id)).toBeUndefined();
    expect(table.size).toBe(0);
  });

  test("refuses with 503 past the limit", async () => {
    const { table } = sessions(echoServer(), 1);
    table.openSse();
    expect(statusOf(() => table.openSse())).toBe(503);
    await table.closeAll();
  });

  test("turns a spawn failure into 502 and one error line", () => {
    const { table, logs } = sessions(["mcp-proxy-no-such-command"]);
    expect(statusOf(() => table.openSse())).toBe(502);
    expect(logs.filter((line) => line.includes("[ERROR]"))).toHaveLength(1);
    expect(table.size).toBe(0);
  });

  test("closeAll() stops every child and refuses new sessions with 503 from the moment it starts", async () => {
    const { table } = sessions(echoServer());
    const pids = [table.openSse().pid, table.openSse().pid];
    const closing = table.closeAll();
    expect(statusOf(() => table.openSse())).toBe(503);
    await closing;
    expect(pids.every(processGone)).toBe(true);
  });

  test("servers sharing one budget are refused together past it, and a closed session frees its place", async () => {
    const budget = new SessionBudget(2);
    const a = sessions(echoServer(), 4, budget).table;
    const b = sessions(echoServer(), 4, budget).table;
    const first = a.openSse();
    b.openStreamable();
    expect(statusOf(() => a.openSse())).toBe(503);
    expect(statusOf(() => b.openSse())).toBe(503);
    expect(a.drained).toBe(false);
    await first.close("test");
    expect(budget.used).toBe(1);
    await waitFor(() => a.drained, 2000, "the closed session's stop to be settled");
    b.openSse();
    await Promise.all([a.closeAll(), b.closeAll()]);
    expect(budget.used).toBe(0);
  });
});
