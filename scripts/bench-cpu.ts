/** CPU time of threads and processes, from Linux's /proc: the benchmarks' measure of work per cycle. */
import { readFileSync, readlinkSync } from "node:fs";

/** This thread's kernel id (Linux; NaN elsewhere). */
export function currentThreadId(): number {
  try {
    return Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return Number.NaN;
  }
}

/** The stat file of one thread of this process. */
export function threadStat(threadId: number): string {
  return `/proc/self/task/${threadId}/stat`;
}

/** The stat file of the thread that reads it. */
export const OWN_THREAD = "/proc/thread-self/stat";

/**
 * User + system time so far of the threads or processes whose stat files are given (a
 * process's counts its exited threads: tinyproxy's). From /proc, in clock ticks of 10 ms; NaN
 * where there is no /proc (macOS).
 */
export function cpuTimeMs(statFiles: string[]): number {
  try {
    let ticks = 0;
    for (const path of statFiles) {
      const fields = readFileSync(path, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks * 10;
  } catch {
    return Number.NaN;
  }
}
