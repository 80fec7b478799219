/** A proxy on 127.0.0.1:0 with a logger that collects lines instead of printing them. */
import { createLogger, start, type ProxyHandle, type ProxyOptions } from "../../src/index.ts";

export interface TestProxy extends ProxyHandle {
  logs: string[];
}

export async function startTestProxy(overrides: ProxyOptions = {}): Promise<TestProxy> {
  const logs: string[] = [];
  const logger = createLogger("verbose", (line) => void logs.push(line));
  const handle = await start({ port: 0, host: "127.0.0.1", logger, ...overrides });
  return Object.assign(handle, { logs });
}
