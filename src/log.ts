/**
 * One consola logger for the whole process, writing to stderr (stdout may carry protocol).
 * Lines read `12:00:00 [ERROR] example.com:443 - EHOSTUNREACH No route to host`.
 */
import { createConsola, type ConsolaInstance, type LogObject } from "consola/core";

export type Logger = ConsolaInstance;
export type LogLevelName = "quiet" | "info" | "verbose" | "silent";

const levels: Record<LogLevelName, number> = { silent: -999, quiet: 0, info: 3, verbose: 4 };

function formatArg(arg: unknown): string {
  if (arg instanceof Error) return arg.stack ?? arg.message;
  return typeof arg === "string" ? arg : Bun.inspect(arg);
}

function formatLine(log: LogObject): string {
  const time = log.date.toTimeString().slice(0, 8);
  const type = log.type === "log" ? "INFO" : log.type.toUpperCase();
  const tag = log.tag ? `${log.tag}: ` : "";
  return `${time} [${type}] ${tag}${log.args.map(formatArg).join(" ")}\n`;
}

let stderrGone = false;
let watchingStderr = false;

/**
 * Writes a line to stderr. Once stderr is gone (its Terminal window closed, the `| tee` behind
 * it killed), lines are dropped: an unhandled EPIPE would end the process at the next line,
 * before it could stop its MCP children.
 */
function writeStderr(line: string): void {
  if (!watchingStderr) {
    watchingStderr = true;
    process.stderr.on("error", () => (stderrGone = true));
  }
  if (!stderrGone) process.stderr.write(line);
}

/** A logger at `level`; `write` defaults to stderr (tests pass a collector). */
export function createLogger(level: LogLevelName = "info", write: (line: string) => void = writeStderr): Logger {
  return createConsola({
    level: levels[level],
    reporters: [{ log: (log) => write(formatLine(log)) }],
  });
}
