import { describe, expect, test } from "bun:test";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { startTcpTarget } from "../helpers/tcp-target.ts";
import { waitFor, within } from "../helpers/wait.ts";
import { healthzBody } from "../helpers/healthz.ts";

/** Sends `head` and returns the whole response once the proxy has ended the connection. */
async function exchange(port: number, head: string): Promise<string> {
  const client = await rawConnect(port);
  client.write(head);
  await within(client.ended, 5000, "proxy ends the connection");
  client.close();
  return client.text();
}

function expectPlainError(response: string, status: number, cause: RegExp): void {
  const [head, body] = response.split("\r\n\r\n") as [string, string];
  expect(head.split("\r\n")[0]).toStartWith(`HTTP/1.1 ${status} `);
  expect(head).toContain("Content-Type: text/plain; charset=utf-8");
  expect(head).toContain("Connection: close");
  expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  expect(body).toMatch(cause);
}

describe("CONNECT errors", () => {
  const invalid: [string, string, RegExp][] = [
    ["no port", "example.test", /port missing/],
    ["port 0", "example.test:0", /out of range/],
    ["port above 65535", "example.test:65536", /out of range/],
    ["non-numeric port", "example.test:https", /not a number/],
    ["empty host", ":443", /host missing/],
    ["unbracketed IPv6", "::1:443", /brackets/],
    ["bad bracket", "[::1:443", /bracket/],
  ];
  for (const [what, authority, cause] of invalid) {
    test(`answers 400 for an invalid authority (${what}) without echoing it`, async () => {
      await using proxy = await startTestProxy();
      const response = await exchange(proxy.port, `CONNECT ${authority} HTTP/1.1\r\n\r\n`);
      expectPlainError(response, 400, cause);
      expect(response.split("\r\n\r\n")[1]).not.toContain(authority);
    });
  }

  test("answers 502 naming ECONNREFUSED when nothing listens on the target", async () => {
    await using proxy = await startTestProxy();
    const closed = startTcpTarget();
    const port = closed.port;
    closed.stop();
    const response = await exchange(proxy.port, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
    expectPlainError(response, 502, /ECONNREFUSED Connection refused/);
    expect(proxy.logs.join("")).toContain(`[ERROR] 127.0.0.1:${port} - ECONNREFUSED Connection refused`);
  });

  test("answers 504 when the target does not complete the TCP handshake in time", async () => {
    // A listener with backlog 0 that never accepts: once its queue is full, the kernel drops SYNs.
    const python = Bun.spawn(
      ["python3", "-c", "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()"],
      { stdin: "pipe", stdout: "pipe" },
    );
    try {
      const reader = python.stdout.getReader();
      const port = Number(new TextDecoder().decode((await reader.read()).value).trim());
      // Fill the accept queue; later handshakes stall. Not awaited: those connects never open.
      const fillers = Array.from({ length: 3 }, () => rawConnect(port).catch(() => undefined));
      await within(Promise.race(fillers), 2000, "a filler connection");
      await using proxy = await startTestProxy({ connectTimeoutMs: 300 });
      const response = await exchange(proxy.port, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
      expectPlainError(response, 504, /ETIMEDOUT/);
      for (const f of fillers) void f.then((c) => c?.close());
    } finally {
      python.kill("SIGKILL");
      await python.exited;
    }
  });

  test("lets a CONNECT to the proxy's own address land on the front again", async () => {
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    client.write(`CONNECT 127.0.0.1:${proxy.port} HTTP/1.1\r\n\r\n`);
    await client.readUntil("HTTP/1.1 200 Connection established\r\n\r\n");
    client.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n\r\n`);
    await client.readUntil(healthzBody);
    client.close();
    await waitFor(() => proxy.openConnections() === 0, 2000, "all connections closed");
  });
});

describe("half-close", () => {
  test("passes the client's FIN to the target and still delivers the target's late reply", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget({
      onData: () => {},
      onEnd: (peer) => {
        // Reply only after the client has finished sending, then close our side.
        setTimeout(() => {
          peer.socket.write(`late reply to ${Buffer.concat(peer.received).toString()}`);
          peer.socket.shutdown();
        }, 50);
      },
    });
    const client = await rawConnect(proxy.port);
    client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\n\r\nquestion`);
    await client.readUntil("\r\n\r\n");
    client.socket.shutdown();
    await client.readUntil("late reply to question");
    await Promise.race([client.ended, Bun.sleep(2000).then(() => Promise.reject(new Error("no FIN from proxy")))]);
    await waitFor(() => proxy.openConnections() === 0, 2000, "tunnel closed");
  });

  test("passes the target's FIN to the client while the client can still send", async () => {
    await using proxy = await startTestProxy();
    await using target = startTcpTarget({
      onOpen: (peer) => {
        peer.socket.write("bye");
        peer.socket.shutdown();
      },
      onData: () => {},
    });
    const client = await rawConnect(proxy.port);
    client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\n\r\n`);
    await client.readUntil("bye");
    await Promise.race([client.ended, Bun.sleep(2000).then(() => Promise.reject(new Error("no FIN from proxy")))]);
    client.write("still here");
    await waitFor(() => Buffer.concat(target.peers[0]!.received).toString() === "still here", 2000, "late client data");
    client.socket.shutdown();
    await waitFor(() => proxy.openConnections() === 0, 2000, "tunnel closed");
  });
});
