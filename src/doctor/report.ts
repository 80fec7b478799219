/**
 * Pure: doctor's report as lines for a terminal: one per check, `✓` ok, `✗` fail, `!` warn,
 * `-` skip, the fix indented under each that has one, and a last line with the verdict.
 */
import type { DoctorReport } from "./check.ts";

const marks = { ok: "✓", fail: "✗", warn: "!", skip: "-" } as const;
const labels = { proxy: "proxy", "network-extensions": "network extensions", config: "config", node: "node", reachability: "reachability" } as const;

/** One line per check, `✓`/`✗`/`!`/`-`, the fix under every check that has one, and a verdict. */
export function doctorLines(report: DoctorReport): string[] {
  const lines = [`mcp-proxy doctor ${report.version}: proxy ${report.proxy}, config ${report.config}`];
  for (const check of report.checks) {
    lines.push(`${marks[check.status]} ${labels[check.group]}: ${check.message}`);
    if (check.fix && check.status !== "ok" && check.status !== "skip") lines.push(`    fix: ${check.fix}`);
  }
  const failed = report.checks.filter((check) => check.status === "fail").length;
  lines.push(failed === 0 ? "Nothing is wrong." : `${failed} problem${failed === 1 ? "" : "s"} found; the fix is under each ✗.`);
  return lines;
}
