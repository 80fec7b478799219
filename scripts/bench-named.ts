/**
 * Named-server benchmark: does routing by name (/servers/<name>/mcp, /servers/<name>/sse, from
 * --config) cost anything next to the unnamed routes (/mcp, /sse, from --sse)? One proxy
 * process serves both, with the same server-everything command behind each.
 *
 *   per round: a fresh session on each of the four routes, then sequential tools/call echo
 *              interleaved one call at a time across them (the order rotating)
 *   figure:    per transport, the median over rounds of (named p50 / unnamed p50)
 *
 * Fresh sessions each round, because two children of the same server can differ in speed by a
 * few percent on their own; the median over rounds keeps that from passing for routing cost.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rotatingCalls, startProxyProcess, step } from "./bench-bridge.ts";
import { median, percentile } from "./bench-util.ts";

// --- Settings ---

const root = join(import.meta.dir, "..");
const SERVER = [join(root, "node_modules", ".bin", "mcp-server-everything"), "stdio"];
const ROUNDS = 7;
const CALLS_PER_ROUND = 300;
/** The named route's round trip may be at most this much slower than the unnamed one. */
const TARGET_RATIO = 1.03;

type Route = "mcp" | "sse" | "named-mcp" | "named-sse";
const ROUTES: Route[] = ["mcp", "named-mcp", "sse", "named-sse"];

// --- Entry point ---

/** Runs the comparison and returns one report line per transport. */
export async function benchNamed(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-proxy-bench-"));
  try {
    const config = join(dir, "servers.json");
    writeFileSync(config, JSON.stringify({ mcpServers: { everything: { command: SERVER[0], args: SERVER.slice(1) } } }));
    await using proxy = await startProxyProcess(SERVER, 16, ["--config", config]);
    const ratios: Record<"mcp" | "sse", number[]> = { mcp: [], sse: [] };
    const p50s: Record<Route, number[]> = { mcp: [], sse: [], "named-mcp": [], "named-sse": [] };
    for (let round = 0; round < ROUNDS; round++) {
      const times = await oneRound(proxy.url);
      for (const route of ROUTES) p50s[route].push(percentile([...times[route]].sort((a, b) => a - b), 50));
      ratios.mcp.push(p50s["named-mcp"].at(-1)! / p50s.mcp.at(-1)!);
      ratios.sse.push(p50s["named-sse"].at(-1)! / p50s.sse.at(-1)!);
    }
    return (["mcp", "sse"] as const).map((transport) => {
      const ratio = median(ratios[transport]);
      const spread = `${Math.min(...ratios[transport]).toFixed(3)}–${Math.max(...ratios[transport]).toFixed(3)}`;
      return (
        `named: sequential echo p50 /servers/<name>/${transport} ${ms(median(p50s[`named-${transport}`]))} vs /${transport} ${ms(median(p50s[transport]))} ` +
        `(×${ratio.toFixed(3)}, median of ${ROUNDS} rounds, range ${spread}; target ≤ ×${TARGET_RATIO.toFixed(2)} ${ratio <= TARGET_RATIO ? "PASS" : "FAIL"}), ` +
        `${ROUNDS * CALLS_PER_ROUND} calls each`
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- One round ---

async function oneRound(url: string): Promise<Record<Route, number[]>> {
  const times = await rotatingCalls(ROUTES.map((route) => () => connect(url, route)), CALLS_PER_ROUND);
  return Object.fromEntries(ROUTES.map((route, i) => [route, times[i]!])) as Record<Route, number[]>;
}

async function connect(url: string, route: Route): Promise<Client> {
  const path = route.startsWith("named-") ? `/servers/everything/${route.slice(6)}` : `/${route}`;
  const target = new URL(`${url}${path}`);
  const client = new Client({ name: "bench", version: "1.0.0" });
  await step(client.connect(path.endsWith("/sse") ? new SSEClientTransport(target) : new StreamableHTTPClientTransport(target)), `connect ${path}`);
  return client;
}

const echo = (client: Client, n: number) => client.callTool({ name: "echo", arguments: { message: `bench ${n}` } });
const ms = (value: number) => `${value.toFixed(3)} ms`;

if (import.meta.main) for (const line of await benchNamed()) console.log(line);
