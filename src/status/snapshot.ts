/**
 * GET /status.json: the status page's data, in the shape the README documents. Built on
 * request from the live tables; nothing here runs on a hot path.
 */
import { OUTCOMES, type FailingTarget, type Flow, type FlowKind } from "./traffic.ts";
import type { EndedSession } from "./bridge-stats.ts";
import type { StatusSources } from "./sources.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => Math.round(ms / 100) / 10;
/** Enough of a session id to tell sessions apart, not enough to use one. */
const shortId = (id: string) => id.slice(0, 8);

export function statusSnapshot(sources: StatusSources) {
  const now = Date.now();
  const { traffic } = sources;
  const open = [...traffic.open].map((flow) => ({
    id: flow.id,
    kind: flow.kind,
    client: flow.client,
    target: flow.target,
    what: flow.what,
    up: flow.up,
    down: flow.down,
    ageSeconds: seconds(now - flow.startedAt),
  }));
  const servers = sources.bridges().map((server) => ({
    name: server.name,
    command: server.command.join(" "),
    routes: server.routes,
    starts: server.stats.starts,
    exits: Object.fromEntries(server.stats.exits),
    sessions: server.sessions.list().map((session) => {
      const info = session.info();
      return {
        transport: info.transport,
        id: shortId(info.id),
        pid: info.pid,
        ageSeconds: seconds(now - info.startedAt),
        messagesIn: info.messagesIn,
        messagesOut: info.messagesOut,
        lastActivity: iso(info.lastActivity),
      };
    }),
    ended: server.stats.recent.newestFirst().map((ended) => endedJson(ended)),
  }));
  const sum = (kind: FlowKind) => OUTCOMES.reduce((n, outcome) => n + traffic.outcomes[kind][outcome], 0);
  return {
    version: sources.version,
    url: sources.url(),
    startedAt: iso(sources.startedAt),
    now: iso(now),
    uptimeSeconds: seconds(now - sources.startedAt),
    totals: {
      openConnections: sources.openConnections(),
      tunnels: sum("tunnel"),
      requests: sum("request"),
      failures: [...traffic.errors.values()].reduce((a, b) => a + b, 0),
      bridgeSessions: servers.reduce((n, s) => n + s.sessions.length, 0),
      childStarts: servers.reduce((n, s) => n + s.starts, 0),
    },
    proxy: {
      open,
      recent: traffic.history.newestFirst().map((flow) => closedJson(flow)),
      failing: [...traffic.failures.values()].reverse().map((failure) => failingJson(failure)),
    },
    bridge: { servers },
  };
}

export type StatusSnapshot = ReturnType<typeof statusSnapshot>;

function closedJson(flow: Flow) {
  return {
    id: flow.id,
    kind: flow.kind,
    client: flow.client,
    target: flow.target,
    what: flow.what,
    status: flow.status,
    outcome: flow.outcome,
    up: flow.up,
    down: flow.down,
    durationMs: flow.endedAt - flow.startedAt,
    endedAt: iso(flow.endedAt),
    ...(flow.error ? { error: flow.error } : {}),
  };
}

function failingJson(failure: FailingTarget) {
  return { ...failure, firstAt: iso(failure.firstAt), lastAt: iso(failure.lastAt) };
}

function endedJson(ended: EndedSession) {
  return {
    transport: ended.transport,
    id: shortId(ended.id),
    pid: ended.pid,
    durationSeconds: seconds(ended.endedAt - ended.startedAt),
    endedAt: iso(ended.endedAt),
    messagesIn: ended.messagesIn,
    messagesOut: ended.messagesOut,
    reason: ended.reason,
    detail: ended.detail,
    exitCode: ended.exitCode,
    signal: ended.signal,
  };
}
