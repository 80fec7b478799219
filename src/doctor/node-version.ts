/**
 * Node.js reads HTTP(S)_PROXY only with NODE_USE_ENV_PROXY=1, and only from 22.21 on the 22
 * line and from 24.5 on (23.x and 24.0–24.4 never do). A pure rule and a check that runs
 * `node --version` from the PATH doctor was given.
 *
 *   node --version ─▶ parseNodeVersion ─▶ honoursEnvProxy ─▶ node.version
 */
import type { Check } from "./check.ts";
import { runCommand } from "./run-command.ts";

export function parseNodeVersion(text: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** ≥ 22.21 on 22.x, ≥ 24.5 otherwise. */
export function honoursEnvProxy([major, minor]: [number, number, number]): boolean {
  if (major === 22) return minor >= 21;
  if (major === 24) return minor >= 5;
  return major >= 25;
}

/** Command names (or paths ending in them) that run Node, whose servers need NODE_USE_ENV_PROXY. */
export function startsNode(command: string): boolean {
  const base = command.split(/[\\/]/).pop()!.replace(/\.(exe|cmd)$/i, "");
  return ["node", "npx", "npm", "pnpm", "pnpx", "yarn", "tsx"].includes(base);
}

const fix = "install Node.js 22.21 or newer on the 22 line, or 24.5 or newer (nodejs.org); older Node needs undici's ProxyAgent in the server's code";

export async function checkNode(path: string, timeoutMs: number, needed: boolean): Promise<Check> {
  const base = { id: "node.version", group: "node" } as const;
  if (!needed) return { ...base, status: "skip", message: "no server is started with node or npx" };
  const run = await runCommand(["node", "--version"], path, timeoutMs);
  if (run.error !== undefined) return { ...base, status: "fail", message: `node ${run.error}; the servers started with node or npx cannot run`, fix };
  const version = parseNodeVersion(run.stdout);
  if (!version) return { ...base, status: "warn", message: `cannot read the version node --version printed: ${JSON.stringify(run.stdout.trim().slice(0, 40))}` };
  const shown = `node ${version.join(".")} on PATH`;
  if (honoursEnvProxy(version)) return { ...base, status: "ok", message: `${shown} honours NODE_USE_ENV_PROXY=1` };
  return { ...base, status: "fail", message: `${shown} ignores the proxy variables, even with NODE_USE_ENV_PROXY=1`, fix };
}
