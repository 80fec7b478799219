/**
 * Runs the real command line (`bun src/cli.ts …`, or a built binary) as a child process,
 * collects its stderr, and learns the port from the banner. Killed by pid in dispose.
 */
import type { Subprocess } from "bun";
import { waitFor } from "./wait.ts";

const root = new URL("../..", import.meta.url).pathname;
export const cliPath = `${root}src/cli.ts`;

export interface CliProcess extends AsyncDisposable {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  stderr(): string;
  stdout(): string;
  /** The port from the banner line "listening on http://host:port". */
  port(): Promise<number>;
  exited: Promise<number>;
}

/** `executable`: a compiled mcp-proxy to run instead of the source (test/e2e/binary-smoke.test.ts). */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, executable?: string): CliProcess {
  const proc = Bun.spawn([...(executable ? [executable] : [process.execPath, cliPath]), ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  let err = "";
  let out = "";
  const collect = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const drained = Promise.all([collect(proc.stderr, (s) => (err += s)), collect(proc.stdout, (s) => (out += s))]);
  return {
    proc,
    stderr: () => err,
    stdout: () => out,
    port: async () => {
      const match = await waitFor(() => /listening on http:\/\/[^\s]+:(\d+)/.exec(err), 10_000, "the banner");
      return Number(match[1]);
    },
    exited: proc.exited.then(async (code) => {
      await drained;
      return code;
    }),
    [Symbol.asyncDispose]: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}
