/**
 * Process-tree probes for the MCP bridge tests, read from /proc (Linux): a child's descendants,
 * and a "gone" test that counts a zombie as gone (it is dead; only its parent's wait() is due).
 */
import { readdirSync, readFileSync } from "node:fs";

/** Parent pid and state of a process, or undefined if it no longer exists. */
function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** True once `pid` has exited (a zombie counts as exited). */
export function processGone(pid: number): boolean {
  const info = stat(pid);
  return info === undefined || info.state === "Z" || info.state === "X";
}

/** Every live descendant of `pid` (children, grandchildren, …). */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = stat(Number(name));
    if (info && info.state !== "Z") parents.set(Number(name), info.ppid);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** The pids of bridge children named in the proxy's "session … opened: pid N" log lines. */
export function sessionPids(logs: string[]): number[] {
  return logs.flatMap((line) => {
    const match = /session \S+ opened: pid (\d+)/.exec(line);
    return match ? [Number(match[1])] : [];
  });
}
