/**
 * Pure: what setup and `--undo` print. Only setup's own keys appear, and of their old values
 * only NO_PROXY lists: a replaced proxy URL may carry a password (http://user:pass@host), so
 * it is named, never shown. Other `env` keys are never mentioned at all.
 *
 *   SetupResult | UndoResult ─▶ lines: per server, the summary, the backup, what to do next
 */
import { summary } from "./plan.ts";
import type { SetupResult, UndoResult } from "./run.ts";

const statusText = {
  already: "already set up",
  conflict: "nothing added",
  remote: "skipped (remote server: Claude Desktop does not start it)",
  disabled: "skipped (disabled)",
  "no-command": "skipped (no command)",
  excluded: "skipped (--only/--except)",
} as const;

export const nextSteps = [
  "Next:",
  "  1. Quit Claude Desktop (Cmd-Q, not just the window) and open it again: servers read env only when they start.",
  "  2. Keep mcp-proxy running, started from Terminal (mcp-proxy, or double-click start_proxy.command), not from launchd.",
  "  3. If a server still fails: mcp-proxy doctor",
];

export function setupReport(result: SetupResult): string[] {
  const lines = [`${result.dryRun ? "Dry run, nothing written: " : ""}${result.path}`];
  for (const plan of result.plans) {
    if (plan.status !== "changed") lines.push(`  ${plan.name}: ${statusText[plan.status]}`);
    else lines.push(`  ${plan.name}:${plan.createsEnv ? " (new env)" : ""}`);
    for (const change of plan.changes) {
      const verb = change.action === "add" ? "+" : "~";
      const was = change.action === "replace" ? (change.key.toLowerCase() === "no_proxy" ? " (your list kept)" : " (replaced; the old value is in the backup)") : "";
      lines.push(`    ${verb} ${change.key}=${change.value}${was}`);
    }
    for (const key of plan.conflicts) lines.push(`    ! ${key} holds another value: left alone (--force replaces it)`);
  }
  lines.push(summary(result.plans, result.dryRun ? "would be set up" : "set up"));
  if (!result.changed) {
    lines.push("Nothing to change: the file was not touched.");
    return lines;
  }
  if (result.dryRun) {
    lines.push("Run again without --dry-run to write it.");
    return lines;
  }
  lines.push(`Backup of the original: ${result.backup}`);
  lines.push(`Undo record: ${result.record} (mcp-proxy setup --undo takes back exactly these changes)`);
  return [...lines, ...nextSteps];
}

export function undoReport(result: UndoResult): string[] {
  const lines = [`${result.dryRun ? "Dry run, nothing written: " : ""}${result.path}`];
  let restored = 0;
  let kept = 0;
  for (const plan of result.plans) {
    if (plan.missing) {
      lines.push(`  ${plan.name}: no longer in the config, nothing to undo`);
      continue;
    }
    lines.push(`  ${plan.name}:${plan.removesEnv ? " (env removed, setup had created it)" : ""}`);
    if (plan.steps.some((step) => step.action === "remove" || step.action === "restore")) restored++;
    for (const step of plan.steps) {
      if (step.action === "remove") lines.push(`    - ${step.key}`);
      if (step.action === "restore") lines.push(`    ~ ${step.key} restored to its value before setup`);
      if (step.action === "gone") lines.push(`    ${step.key} already removed`);
      if (step.action === "kept") {
        kept++;
        lines.push(`    ! ${step.key} was edited since setup: kept`);
      }
    }
  }
  const s = (n: number) => (n === 1 ? "" : "s");
  lines.push(`${restored} server${s(restored)} ${result.dryRun ? "would be " : ""}restored${kept ? `, ${kept} value${s(kept)} kept (edited since setup)` : ""}`);
  if (result.dryRun) lines.push("Run again without --dry-run to write it.");
  else if (result.backup) lines.push(`Backup of the file before undo: ${result.backup}`);
  if (!result.dryRun) lines.push(`Undo record removed: ${result.record}`);
  if (!result.dryRun && result.changed) lines.push("Quit Claude Desktop and open it again for the servers to start without the proxy.");
  return lines;
}
