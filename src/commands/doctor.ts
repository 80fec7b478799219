/**
 * `mcp-proxy doctor`: flags → runDoctor → one line per check (or one JSON object with --json).
 * Exit 0 when nothing is wrong, 1 when a check failed, 2 for bad flags. Changes nothing.
 */
import { defineCommand, parseArgs, type ArgsDef } from "citty";
import { doctorLines } from "../doctor/report.ts";
import { runDoctor } from "../doctor/run.ts";
import { parseTarget } from "../doctor/reachability.ts";
import { repeated, type CliArgs } from "../cli-args.ts";
import { VERSION } from "../version.ts";
import { configPathFrom, helpText, proxyPort, rejectUnknown } from "./common.ts";

export const args = {
  config: { type: "string", description: "Config file to check (default: Claude Desktop's claude_desktop_config.json of this OS)", valueHint: "PATH" },
  port: { type: "string", alias: "p", description: "Port the proxy should be on", default: "28080", valueHint: "PORT" },
  target: { type: "string", description: "Test this HOST:PORT directly and through the proxy; repeatable", valueHint: "HOST:PORT" },
  json: { type: "boolean", description: "Print one JSON object instead of lines" },
  help: { type: "boolean", alias: "h", description: "Show this help and exit" },
} as const satisfies ArgsDef;

export const command = defineCommand({
  meta: { name: "mcp-proxy doctor", description: "Say what is wrong when an MCP server still cannot connect: the proxy, network extensions, the config, Node, reachability" },
  args,
});

const examples = [
  "mcp-proxy doctor",
  "mcp-proxy doctor --target intranet.example:443 --target api.github.com:443",
  "mcp-proxy doctor --port 9000 --json",
];

export async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, args);
  if (parsed.help) {
    process.stdout.write(await helpText(command, examples));
    return 0;
  }
  rejectUnknown(parsed, args, "doctor");
  const report = await runDoctor({
    configPath: configPathFrom(parsed.config),
    port: proxyPort(parsed.port ?? "28080"),
    targets: repeated("target", parsed as unknown as CliArgs, argv).map(parseTarget),
    platform: process.platform,
    path: process.env.PATH ?? "",
    version: VERSION,
  });
  process.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : `${doctorLines(report).join("\n")}\n`);
  return report.ok ? 0 : 1;
}
