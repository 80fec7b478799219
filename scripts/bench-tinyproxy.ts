/** tinyproxy, the benchmarks' peer: Debian's package, started on a free loopback port and stopped by its pid. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const TINYPROXY = "/usr/bin/tinyproxy";

export interface Tinyproxy {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** tinyproxy in the foreground on a free loopback port, logging warnings only, to `dir`. */
export async function startTinyproxy(dir: string): Promise<Tinyproxy | undefined> {
  if (!(await Bun.file(TINYPROXY).exists())) return undefined;
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const conf = join(dir, "tinyproxy.conf");
  writeFileSync(conf, [`Port ${port}`, "Listen 127.0.0.1", "Timeout 600", "MaxClients 1000", "Allow 127.0.0.1", "LogLevel Warning", `LogFile "${join(dir, "tinyproxy.log")}"`, ""].join("\n"));
  const proc = Bun.spawn([TINYPROXY, "-d", "-c", conf], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const stop = async () => {
    proc.kill("SIGTERM");
    await Promise.race([proc.exited, Bun.sleep(5000)]);
    proc.kill("SIGKILL");
    await proc.exited;
  };
  // Ready when it accepts a connection.
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      return { port, pid: proc.pid, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error("tinyproxy did not start listening within 5 s");
      }
      await Bun.sleep(20);
    }
  }
}
