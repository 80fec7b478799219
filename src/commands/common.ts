/**
 * What every subcommand shares: `--help` text rendered by citty (plain when not a terminal),
 * unknown flags and stray words refused (citty lets them through), and the config path default.
 */
import { homedir } from "node:os";
import { renderUsage, type ArgsDef, type CommandDef } from "citty";
import { OptionsError } from "../errors.ts";
import { parsePort } from "../cli-values.ts";
import { printable } from "../printable.ts";
import { defaultConfigPath } from "../setup/claude-config.ts";

export async function helpText(command: CommandDef<any>, examples: string[]): Promise<string> {
  const help = `${await renderUsage(command)}\n\nEXAMPLES\n\n${examples.map((e) => `  ${e}`).join("\n")}\n`;
  const plain = !process.stdout.isTTY || process.env.NO_COLOR !== undefined;
  return plain ? help.replace(/\u001B\[[0-9;]*m/g, "") : help;
}

/** Throws OptionsError (exit 2) for a flag `args` does not define, or any positional word. */
export function rejectUnknown(parsed: Record<string, unknown> & { _: string[] }, args: ArgsDef, command: string): void {
  const known = new Set(Object.entries(args).flatMap(([name, def]) => [name, ...("alias" in def && def.alias ? [def.alias].flat() : [])]));
  for (const key of Object.keys(parsed)) {
    if (key === "_" || known.has(key)) continue;
    // citty adds camelCase twins of dashed names.
    if (known.has(key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))) continue;
    throw new OptionsError(`unknown flag --${printable(key)} (see mcp-proxy ${command} --help)`);
  }
  if (parsed._.length > 0) throw new OptionsError(`unexpected argument "${printable(parsed._[0]!)}" (see mcp-proxy ${command} --help)`);
}

/** `--config`, or Claude Desktop's config of this OS ($XDG_CONFIG_HOME honoured on Linux). */
export function configPathFrom(config: string | undefined): string {
  if (config !== undefined) {
    if (config === "") throw new OptionsError("--config needs a path");
    return config;
  }
  return defaultConfigPath({
    platform: process.platform,
    home: process.env.HOME || homedir(),
    xdgConfigHome: process.env.XDG_CONFIG_HOME,
    appData: process.env.APPDATA,
  });
}

/** A comma-separated list flag (`--only a,b`), trimmed, empties dropped. */
export function listFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((item) => item.trim()).filter(Boolean);
}

/** `--port` of setup and doctor: the proxy's port, so 0 (pick a free one) means nothing here. */
export function proxyPort(text: string): number {
  const port = parsePort(text);
  if (port === 0) throw new OptionsError("--port 0 names no port: give the port the proxy listens on");
  return port;
}
