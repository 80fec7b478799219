/**
 * Runs a short read-only command for doctor (`systemextensionsctl list`, `node --version`) with
 * a deadline, found on the PATH doctor was given (and given nothing else of the environment:
 * neither command needs more, and no secret of ours reaches them). Never throws: a missing command, a non-zero
 * exit or a timeout comes back as `error` in words.
 *
 *   Bun.which(PATH) ─▶ Bun.spawn (argv, no shell) ─▶ stdout | error ("not found on PATH", "exited 1: …", "timed out …")
 */
import { seconds } from "./probe.ts";

export interface CommandRun {
  stdout: string;
  /** undefined when the command ran and exited 0. */
  error?: string;
}

export async function runCommand(argv: string[], path: string, timeoutMs: number): Promise<CommandRun> {
  const executable = Bun.which(argv[0]!, { PATH: path });
  if (!executable) return { stdout: "", error: "not found on PATH" };
  let proc: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
  try {
    proc = Bun.spawn([executable, ...argv.slice(1)], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: path } });
  } catch (error) {
    return { stdout: "", error: `could not be started: ${(error as Error).message}` };
  }
  let timer: Timer | undefined;
  // A grandchild may hold the pipes open after the kill, so the deadline does not wait for them.
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const finished = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const outcome = await Promise.race([finished, deadline]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    proc.kill("SIGKILL");
    finished.catch(() => {});
    return { stdout: "", error: `did not finish within ${seconds(timeoutMs)}` };
  }
  const [stdout, stderr, code] = outcome;
  if (code !== 0) {
    const why = stderr.trim().split("\n")[0] || stdout.trim().split("\n")[0] || "no output";
    return { stdout, error: `exited ${code}: ${why}` };
  }
  return { stdout };
}
