/**
 * GET /metrics: Prometheus text exposition format 0.0.4, every name prefixed `mcp_proxy_`.
 * Labels are a bounded set: outcomes, directions, errno codes, server names from the config,
 * transports, end reasons. Never a target, a session id, a query string or a secret.
 */
import type { EndReason } from "./bridge-stats.ts";
import type { StatusSources } from "./sources.ts";
import { OUTCOMES, type FlowKind } from "./traffic.ts";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const reasons: EndReason[] = ["client_gone", "deleted", "idle", "child_exited", "shutdown", "error"];
const transports = ["/mcp", "/sse"];

type Labels = Record<string, string>;

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.lines.push(`# HELP mcp_proxy_${name} ${help}`, `# TYPE mcp_proxy_${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, labels: Labels = {}): this {
    const pairs = Object.entries(labels).map(([key, v]) => `${key}="${escapeLabel(v)}"`);
    this.lines.push(`mcp_proxy_${name}${pairs.length ? `{${pairs.join(",")}}` : ""} ${formatValue(value)}`);
    return this;
  }

  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

export function renderMetrics(sources: StatusSources): string {
  const { traffic } = sources;
  const out = new Exposition();
  out.family("info", "gauge", "Always 1; the version is a label.").sample("info", 1, { version: sources.version });
  out.family("start_time_seconds", "gauge", "When mcp-proxy started, in seconds since the epoch.");
  out.sample("start_time_seconds", sources.startedAt / 1000);
  out.family("open_connections", "gauge", "Client and upstream connections open now.").sample("open_connections", sources.openConnections());

  const kinds: [FlowKind, string, string][] = [
    ["tunnel", "tunnels", "CONNECT tunnels"],
    ["request", "forwarded_requests", "Forwarded plain-HTTP requests"],
  ];
  for (const [kind, name, what] of kinds) {
    out.family(`${name}_total`, "counter", `${what} that ended, by outcome.`);
    for (const outcome of OUTCOMES) out.sample(`${name}_total`, traffic.outcomes[kind][outcome], { outcome });
    out.family(`open_${name}`, "gauge", `${what} in progress.`);
    out.sample(`open_${name}`, [...traffic.open].filter((flow) => flow.kind === kind).length);
  }
  out.family("bytes_total", "counter", "Bytes relayed: up is client to upstream, down is upstream to client.");
  for (const [kind] of kinds) {
    const totals = traffic.byteTotals(kind);
    out.sample("bytes_total", totals.up, { kind, direction: "up" });
    out.sample("bytes_total", totals.down, { kind, direction: "down" });
  }
  const histogram = traffic.connectSeconds;
  out.family("upstream_connect_seconds", "histogram", "Time to open a new upstream TCP connection.");
  histogram.cumulative().forEach((count, i) => out.sample("upstream_connect_seconds_bucket", count, { le: String(histogram.bounds[i]) }));
  out.sample("upstream_connect_seconds_bucket", histogram.count, { le: "+Inf" });
  out.sample("upstream_connect_seconds_sum", histogram.sum).sample("upstream_connect_seconds_count", histogram.count);
  out.family("upstream_errors_total", "counter", "Upstreams that could not be reached, by errno code.");
  for (const [code, count] of traffic.errors) out.sample("upstream_errors_total", count, { code: boundedCode(code) });

  const servers = sources.bridges();
  out.family("bridge_sessions", "gauge", "MCP bridge sessions open now, by server and transport.");
  for (const server of servers) {
    const live = server.sessions.list().map((session) => session.info().transport);
    for (const transport of transports) {
      out.sample("bridge_sessions", live.filter((t) => t === transport).length, { server: server.name, transport });
    }
  }
  out.family("child_starts_total", "counter", "MCP server processes started, by server.");
  for (const server of servers) out.sample("child_starts_total", server.stats.starts, { server: server.name });
  out.family("child_exits_total", "counter", "Bridge sessions that ended (their child stopped), by server and reason.");
  for (const server of servers) {
    for (const reason of reasons) out.sample("child_exits_total", server.stats.exits.get(reason) ?? 0, { server: server.name, reason });
  }
  return out.text();
}

/** Label values per the format: backslash, double quote and line feed escaped. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}

/** errno codes only: anything else (an odd error's code property) becomes EUNKNOWN. */
function boundedCode(code: string): string {
  return /^E[A-Z0-9_]{1,23}$/.test(code) ? code : "EUNKNOWN";
}
