/** Runs a real client program (curl, python3, node) to completion through the proxy. */
import { within } from "./wait.ts";

/** The environment a client gets: our proxy, and no NO_PROXY from the machine to bypass it. */
export function proxyEnv(proxyUrl: string, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    ...process.env,
    NO_PROXY: undefined,
    no_proxy: undefined,
    HTTP_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    https_proxy: proxyUrl,
    ...extra,
  };
}

/** Runs `cmd` (15 s at most); the process is killed by pid whatever happens. */
export async function runClient(cmd: string[], env: Record<string, string | undefined>): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(cmd, { env, stdout: "pipe", stderr: "pipe" });
  try {
    const [out, err, code] = await within(
      Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]),
      15_000,
      cmd[0],
    );
    return { code, out, err };
  } finally {
    proc.kill("SIGKILL");
  }
}
