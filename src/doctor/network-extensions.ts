/**
 * Network extensions (macOS): security software (Avast, Norton, …) that filters traffic with a
 * Network Extension is the usual reason Claude Desktop's servers cannot connect. A pure parser
 * of `systemextensionsctl list` and a bounded runner that never throws.
 *
 *   systemextensionsctl list ─▶ parseSystemExtensions ─▶ active network extensions ─▶ one check
 *
 * The output (macOS 11–15) is a count line, then per category a `--- com.apple.system_extension.<kind>`
 * header (with a "(Go to 'System Settings …')" tail on newer systems), a column header, and
 * tab-separated rows: `*\t*\tTEAMID\tcom.vendor.ext (1.0/1)\tName\t[activated enabled]`.
 */
import type { Check } from "./check.ts";
import { runCommand } from "./run-command.ts";

export interface SystemExtension {
  /** The part after `com.apple.system_extension.`: `network_extension`, `endpoint_security`, … */
  category: string;
  teamId: string;
  bundleId: string;
  version: string;
  name: string;
  /** `activated enabled`, `terminated waiting to uninstall on reboot`, … */
  state: string;
}

const row = /^(\*?)\s+(\*?)\s+(\S+)\s+(\S+)\s+\(([^)]*)\)\s+(.*?)\s*\[([^\]]*)\]\s*$/;

export function parseSystemExtensions(output: string): SystemExtension[] {
  const found: SystemExtension[] = [];
  let category = "";
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const header = /^---\s+com\.apple\.system_extension\.(\S+)/.exec(line);
    if (header) {
      category = header[1]!;
      continue;
    }
    const match = row.exec(line);
    if (!match || match[3] === "teamID") continue;
    found.push({ category, teamId: match[3]!, bundleId: match[4]!, version: match[5]!, name: match[6]!, state: match[7]! });
  }
  return found;
}

/** Network extensions that are running now (`[activated enabled]`). */
export function activeNetworkExtensions(extensions: SystemExtension[]): SystemExtension[] {
  return extensions.filter((ext) => ext.category === "network_extension" && ext.state === "activated enabled");
}

export interface ExtensionCheckOptions {
  /** @default process.platform (given by the command) */
  platform: string;
  /** The PATH to find systemextensionsctl on. */
  path: string;
  timeoutMs: number;
}

const id = "network-extensions";
const group = "network-extensions";

export async function checkNetworkExtensions(options: ExtensionCheckOptions): Promise<Check> {
  if (options.platform !== "darwin") {
    return { id, group, status: "skip", message: "not macOS, so this check does not apply" };
  }
  const run = await runCommand(["systemextensionsctl", "list"], options.path, options.timeoutMs);
  if (run.error !== undefined) return { id, group, status: "warn", message: `cannot list network extensions: systemextensionsctl ${run.error}` };
  const active = activeNetworkExtensions(parseSystemExtensions(run.stdout));
  if (active.length === 0) return { id, group, status: "ok", message: "no active network extension (systemextensionsctl list)" };
  const names = active.map((ext) => `${ext.name} (${ext.bundleId})`).join(", ");
  return {
    id,
    group,
    status: "warn",
    message: `active network extensions: ${names}; the likely cause when servers Claude Desktop starts cannot connect`,
    fix: "put the servers behind mcp-proxy (mcp-proxy setup) and keep the proxy started from Terminal",
  };
}
