#!/usr/bin/env bun
/**
 * The command line: parse flags, call start(), wait for SIGINT/SIGTERM, close. No logic here.
 * A first word naming a subcommand (`setup`, `doctor`, `token`) hands the rest of argv to it instead.
 * Exit codes: 0 after a clean stop, 1 when the port cannot be bound or a subcommand fails,
 * 2 for bad flags.
 */
import { defineCommand, parseArgs, renderUsage } from "citty";
import pkg from "../package.json" with { type: "json" };
import { bannerLines } from "./banner.ts";
import { args, checkUnknown, examples, logLevel, splitSse, toOptions, withToken, type CliArgs } from "./cli-args.ts";
import { ConfigError, ListenError, OptionsError } from "./errors.ts";
import { createLogger } from "./log.ts";
import { start } from "./start.ts";

/** Subcommands: name → `(argv) → exit code`, each module loaded only when used. */
const subcommands: Record<string, (argv: string[]) => Promise<number>> = {
  setup: async (argv) => (await import("./commands/setup.ts")).main(argv),
  doctor: async (argv) => (await import("./commands/doctor.ts")).main(argv),
  token: async (argv) =>
    (await import("./commands/token.ts")).run(argv, process.env, (text) => process.stdout.write(text), (text) => process.stderr.write(text)),
};

const commandsHelp = [
  "COMMANDS",
  "",
  "   setup  Put Claude Desktop's MCP servers behind the proxy (mcp-proxy setup --help)",
  "  doctor  Say what is wrong when a server still cannot connect (mcp-proxy doctor --help)",
  "   token  Print the token clients send when --auth asks for one (mcp-proxy token --help)",
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
  if (sub) return sub(argv.slice(1));
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
  const { options, notes } = withToken(toOptions(parsed, sse, own), parsed["token-file"], process.env);
  for (const note of notes) logger.info(note);
  // An internal switch for the benchmark's A/B (scripts/bench-status.ts), not a user setting.
  const bookkeeping = process.env.MCP_PROXY_BOOKKEEPING !== "0";
  const handle = await start({ ...options, logger, bookkeeping });
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
