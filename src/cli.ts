#!/usr/bin/env bun
/**
 * The command line: parse flags, call start(), wait for SIGINT/SIGTERM, close. No logic here.
 * A first word naming a subcommand (`setup`, `doctor`) hands the rest of argv to it instead.
 * Exit codes: 0 after a clean stop, 1 when the port cannot be bound or a subcommand fails,
 * 2 for bad flags.
 */
import { defineCommand, parseArgs, renderUsage } from "citty";
import pkg from "../package.json" with { type: "json" };
import { bannerLines } from "./banner.ts";
import { args, checkUnknown, examples, logLevel, splitSse, toOptions, type CliArgs } from "./cli-args.ts";
import { ConfigError, ListenError, OptionsError } from "./errors.ts";
import { createLogger } from "./log.ts";
import { start } from "./start.ts";

/** Subcommands: name → module with `main(argv) → exit code`, loaded only when used. */
const subcommands: Record<string, () => Promise<{ main(argv: string[]): Promise<number> }>> = {
  setup: () => import("./commands/setup.ts"),
  doctor: () => import("./commands/doctor.ts"),
};

const commandsHelp = [
  "COMMANDS",
  "",
  "   setup  Put Claude Desktop's MCP servers behind the proxy (mcp-proxy setup --help)",
  "  doctor  Say what is wrong when a server still cannot connect (mcp-proxy doctor --help)",
];

const command = defineCommand({
  meta: { name: "mcp-proxy", version: pkg.version, description: pkg.description },
  args,
});

/** Resolves on the first SIGINT or SIGTERM. */
/**
 * Resolves with the first stop signal: Ctrl-C (SIGINT), a service manager or kill (SIGTERM),
 * or the Terminal window closing (SIGHUP). Left to its default, SIGHUP would end the process
 * without a shutdown, and the MCP children, in process groups of their own, would live on.
 */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => resolve(signal));
  });
}

async function main(argv: string[]): Promise<number> {
  const sub = argv[0] !== undefined && Object.hasOwn(subcommands, argv[0]) ? subcommands[argv[0]] : undefined;
  if (sub) return (await sub()).main(argv.slice(1));
  const [own, sse] = splitSse(argv);
  const parsed = parseArgs(own, args) as unknown as CliArgs;
  if (parsed.help) {
    const help = `${await renderUsage(command)}\n\n${commandsHelp.join("\n")}\n\nEXAMPLES\n\n${examples.map((e) => `  ${e}`).join("\n")}\n`;
    // citty colours its usage whatever the output is: plain text for a pipe, a file or NO_COLOR.
    const plain = !process.stdout.isTTY || process.env.NO_COLOR !== undefined;
    process.stdout.write(plain ? help.replace(/\u001B\[[0-9;]*m/g, "") : help);
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  checkUnknown(parsed);
  const logger = createLogger(logLevel(parsed));
  const handle = await start({ ...toOptions(parsed, sse, own), logger });
  logger.info(bannerLines(handle, pkg.version).join("\n"));
  const signal = await stopSignal();
  logger.info(`${signal}: shutting down`);
  // A close that hangs must not keep the process alive, but it must outlast the SIGTERM →
  // SIGKILL wait for MCP children, or a child that ignores SIGTERM would outlive us.
  const force = setTimeout(() => process.exit(0), handle.options.killTimeoutMs + 1500);
  await handle.close();
  clearTimeout(force);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof OptionsError) {
      process.stderr.write(`Error: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof ListenError || error instanceof ConfigError) {
      process.stderr.write(`Error: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`Error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
