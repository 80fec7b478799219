/**
 * `mcp-proxy doctor` as a function: every check, each bounded in time, none changing anything.
 * Inputs that differ per machine (platform, PATH) are options, so tests drive the macOS path
 * on Linux with a fake systemextensionsctl.
 *
 *   proxy ─┬─▶ network extensions ─┐
 *          ├─▶ config ─▶ node       ├─▶ DoctorReport {ok, checks}
 *          └─▶ reachability (--target, or URLs in the servers' env)
 */
import { ConfigError } from "../errors.ts";
import { parseConfig, readConfigFile, type ServerEntry } from "../setup/claude-config.ts";
import type { Check, DoctorReport } from "./check.ts";
import { checkServers } from "./config-check.ts";
import { checkNetworkExtensions } from "./network-extensions.ts";
import { checkNode, startsNode } from "./node-version.ts";
import { checkProxy } from "./proxy-check.ts";
import { checkTarget, formatTarget, targetsFromServers, type Target } from "./reachability.ts";

export interface DoctorOptions {
  /** The Claude Desktop config to read. */
  configPath: string;
  /** The proxy's port. @default 28080 (resolved by the command) */
  port: number;
  /** The proxy's address. @default "127.0.0.1" */
  host?: string;
  /** host:port pairs to test; none: the URL hosts in the servers' env. @default [] */
  targets?: Target[];
  /** @default process.platform (given by the command) */
  platform: string;
  /** Where systemextensionsctl and node are looked up. @default process.env.PATH (given by the command) */
  path: string;
  /** This binary's version, compared with the running proxy's. */
  version: string;
  /** The bound on each check's waiting: a connect, an answer, a command. @default 5000 */
  timeoutMs?: number;
}

function loadServers(configPath: string): { servers: ServerEntry[]; check: Check } {
  const id = "config.file";
  try {
    const file = readConfigFile(configPath);
    const { servers } = parseConfig(file.path, file.text);
    return { servers, check: { id, group: "config", status: "ok", message: `${configPath}: ${servers.length} server${servers.length === 1 ? "" : "s"}` } };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const fix = error.message.startsWith("no config file") ? "pass the config's path with --config PATH" : "correct the file at the place shown (setup's backups sit beside it)";
    return { servers: [], check: { id, group: "config", status: "fail", message: error.message, fix } };
  }
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const proxy = { host: options.host ?? "127.0.0.1", port: options.port };
  const { servers, check: fileCheck } = loadServers(options.configPath);
  const needsNode = servers.some((server) => server.kind === "local" && startsNode(server.command!));
  const targets = options.targets?.length ? options.targets : targetsFromServers(servers);
  const proxyCheck = await checkProxy(proxy, options.version, timeoutMs);
  const [extensions, node, reach] = await Promise.all([
    checkNetworkExtensions({ platform: options.platform, path: options.path, timeoutMs }),
    checkNode(options.path, timeoutMs, needsNode),
    Promise.all(targets.map((target) => checkTarget(target, proxy, proxyCheck.listening, timeoutMs))),
  ]);
  const reachability: Check[] = reach.length
    ? reach
    : [{ id: "reachability", group: "reachability", status: "skip", message: "no --target given and no URL in the servers' env to test" }];
  const checks = [...proxyCheck.checks, extensions, fileCheck, ...checkServers(servers, options.port), node, ...reachability];
  return {
    ok: checks.every((check) => check.status !== "fail"),
    version: options.version,
    proxy: `http://${formatTarget(proxy)}`,
    config: options.configPath,
    checks,
  };
}
