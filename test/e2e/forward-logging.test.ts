/**
 * Plain-HTTP forwarding: one log line per request, reading
 * `<client> <METHOD> <host:port><path> <status> <bytes> B <ms> ms`; the query string only
 * at verbose level (it may carry tokens).
 */
import { describe, expect, test } from "bun:test";
import { send, sendUntilClose } from "../helpers/forward-client.ts";
import { closedPort, okResponse, startHttpOrigin } from "../helpers/http-origin.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { waitFor } from "../helpers/wait.ts";
import { createLogger } from "../../src/log.ts";

const requestLines = (logs: string[], method: string) => logs.filter((l) => new RegExp(`\\] 127\\.0\\.0\\.1 ${method} `).test(l));

/** Waits until exactly `count` request lines for `method` are logged, and returns them. */
function linesFor(logs: string[], method: string, count: number): Promise<string[]> {
  return waitFor(() => {
    const found = requestLines(logs, method);
    return found.length === count ? found : undefined;
  }, 2000, `${count} ${method} log line(s)`);
}

describe("request log lines", () => {
  test("at verbose: client, method, host:port, path with query, status, body bytes and duration, once per request", async () => {
    await using origin = startHttpOrigin({ respond: () => okResponse("12345") });
    await using proxy = await startTestProxy();
    const get = `GET http://${origin.authority}/p/a?token=secret HTTP/1.1\r\n\r\n`;
    const { client } = await send(proxy.port, get + get, 2);
    client.close();
    const lines = await linesFor(proxy.logs, "GET", 2);
    for (const line of lines) {
      expect(line).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d \\[INFO\\] 127\\.0\\.0\\.1 GET 127\\.0\\.0\\.1:${origin.port}/p/a\\?token=secret 200 5 B \\d+ ms\\n$`));
    }
  });

  test("at info: the query string is left out", async () => {
    const logs: string[] = [];
    await using origin = startHttpOrigin({ respond: () => okResponse("") });
    await using proxy = await startTestProxy({ logger: createLogger("info", (line) => void logs.push(line)) });
    const { client } = await send(proxy.port, `POST http://${origin.authority}/submit?token=secret HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi`);
    client.close();
    const [line] = await linesFor(logs, "POST", 1);
    expect(line).toMatch(new RegExp(`\\[INFO\\] 127\\.0\\.0\\.1 POST 127\\.0\\.0\\.1:${origin.port}/submit 200 0 B \\d+ ms\\n$`));
    expect(logs.join("")).not.toContain("secret");
  });

  test("logs the status the client got for an upstream failure (502) with 0 bytes", async () => {
    await using proxy = await startTestProxy();
    const port = closedPort();
    await sendUntilClose(proxy.port, `GET http://127.0.0.1:${port}/gone HTTP/1.1\r\n\r\n`);
    const [line] = await linesFor(proxy.logs, "GET", 1);
    expect(line).toMatch(new RegExp(`GET 127\\.0\\.0\\.1:${port}/gone 502 0 B \\d+ ms\\n$`));
  });

  test("logs a chunked response's bytes as they went on the wire", async () => {
    const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    await using origin = startHttpOrigin({ respond: () => chunked });
    await using proxy = await startTestProxy();
    const { client } = await send(proxy.port, `GET http://${origin.authority}/c HTTP/1.1\r\n\r\n`);
    client.close();
    const [line] = await linesFor(proxy.logs, "GET", 1);
    expect(line).toContain(` 200 ${"3\r\nabc\r\n0\r\n\r\n".length} B `);
  });
});
