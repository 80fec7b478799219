/**
 * `mcp-proxy setup`: flags → runSetup/runUndo → the report on stdout. No logic here.
 * Exit 0 when done (or nothing to do), 1 when the file cannot be used (ConfigError), 2 for bad flags.
 */
import { defineCommand, parseArgs, type ArgsDef } from "citty";
import { OptionsError } from "../errors.ts";
import { proxyUrlFrom } from "../setup/proxy-env.ts";
import { setupReport, undoReport } from "../setup/report.ts";
import { runSetup, runUndo } from "../setup/run.ts";
import { configPathFrom, helpText, listFlag, proxyPort, rejectUnknown } from "./common.ts";

export const args = {
  config: { type: "string", description: "Config file to edit (default: Claude Desktop's claude_desktop_config.json of this OS)", valueHint: "PATH" },
  port: { type: "string", alias: "p", description: "Proxy port to write (http://127.0.0.1:PORT)", valueHint: "PORT" },
  proxy: { type: "string", description: "Proxy URL to write instead (default http://127.0.0.1:28080)", valueHint: "URL" },
  only: { type: "string", description: "Set up only these servers (comma-separated names)", valueHint: "NAMES" },
  except: { type: "string", description: "Set up every server but these (comma-separated names)", valueHint: "NAMES" },
  force: { type: "boolean", description: "Also replace proxy values that differ (--undo restores them)" },
  "dry-run": { type: "boolean", description: "Show what would change, write nothing" },
  undo: { type: "boolean", description: "Take back what setup did, and only that" },
  help: { type: "boolean", alias: "h", description: "Show this help and exit" },
} as const satisfies ArgsDef;

export const command = defineCommand({
  meta: { name: "mcp-proxy setup", description: "Put Claude Desktop's local MCP servers behind the proxy: adds the proxy variables to each server's env" },
  args,
});

const examples = [
  "mcp-proxy setup                    # Claude Desktop's config, proxy http://127.0.0.1:28080",
  "mcp-proxy setup --dry-run          # show the changes, write nothing",
  "mcp-proxy setup --port 9000 --only github,jira",
  "mcp-proxy setup --undo             # take it back",
];

export async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, args);
  if (parsed.help) {
    process.stdout.write(await helpText(command, examples));
    return 0;
  }
  rejectUnknown(parsed, args, "setup");
  const configPath = configPathFrom(parsed.config);
  const dryRun = parsed["dry-run"] === true;
  if (parsed.undo) {
    for (const flag of ["port", "proxy", "only", "except", "force"] as const) {
      if (parsed[flag] !== undefined && parsed[flag] !== false) throw new OptionsError(`--undo takes back everything setup recorded; --${flag} does not apply`);
    }
    process.stdout.write(`${undoReport(runUndo({ configPath, dryRun })).join("\n")}\n`);
    return 0;
  }
  const url = proxyUrlFrom(parsed.proxy, parsed.port === undefined ? undefined : proxyPort(parsed.port));
  const result = runSetup({ configPath, url, dryRun, force: parsed.force === true, only: listFlag(parsed.only), except: listFlag(parsed.except) });
  process.stdout.write(`${setupReport(result).join("\n")}\n`);
  return 0;
}
