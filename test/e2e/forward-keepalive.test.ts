/**
 * Plain-HTTP forwarding: persistent client connections (RFC 9112 §9.3). After a complete
 * response the connection takes the next request, for any host; pipelined requests are
 * answered in order; whenever the proxy will close, the response it closes after says so.
 */
import { describe, expect, test } from "bun:test";
import { readResponses, send, sendUntilClose } from "../helpers/forward-client.ts";
import { fieldValues, okResponse, parseResponses, startHttpOrigin } from "../helpers/http-origin.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { waitFor, within } from "../helpers/wait.ts";
import { healthz, healthzBody } from "../helpers/healthz.ts";

const get = (authority: string, path = "/", extra = "") => `GET http://${authority}${path} HTTP/1.1\r\n${extra}\r\n`;

describe("keep-alive", () => {
  test("serves two requests to two different origins on one client connection", async () => {
    await using a = startHttpOrigin({ respond: () => okResponse("from a") });
    await using b = startHttpOrigin({ respond: () => okResponse("from b") });
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(get(a.authority, "/one"));
      expect((await readResponses(client, 1))[0]!.body).toBe("from a");
      client.write(get(b.authority, "/two"));
      expect((await readResponses(client, 2))[1]!.body).toBe("from b");
      client.write(get(a.authority, "/three"));
      const responses = await readResponses(client, 3);
      expect(responses.map((r) => r.body)).toEqual(["from a", "from b", "from a"]);
      expect(responses.every((r) => fieldValues(r, "connection").length === 0)).toBe(true);
      expect([...a.requests, ...b.requests].map((r) => r.line)).toEqual(["GET /one HTTP/1.1", "GET /three HTTP/1.1", "GET /two HTTP/1.1"]);
    } finally {
      client.close();
    }
  });

  test("answers a pipelined pair in order even when the second origin is faster", async () => {
    let releaseSlow: (() => void) | undefined;
    await using slow = startHttpOrigin({
      respond: (_req, conn) => {
        releaseSlow = () => conn.write(okResponse("slow first"));
        return undefined;
      },
    });
    await using fast = startHttpOrigin({ respond: () => okResponse("fast second") });
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(get(slow.authority, "/1") + get(fast.authority, "/2"));
      await waitFor(() => releaseSlow, 3000, "the slow origin to get its request");
      expect(client.text()).toBe("");
      releaseSlow!();
      const responses = await readResponses(client, 2);
      expect(responses.map((r) => r.body)).toEqual(["slow first", "fast second"]);
    } finally {
      client.close();
    }
  });

  test("answers a pipelined pair sent in one write to one origin, reusing one upstream connection", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const { client, responses } = await send(proxy.port, get(origin.authority, "/1") + get(origin.authority, "/2"), 2);
    client.close();
    expect(responses.map((r) => r.body.split("\r\n")[0])).toEqual(["GET /1 HTTP/1.1", "GET /2 HTTP/1.1"]);
    expect(origin.conns).toHaveLength(1);
  });

  test("answers every pipelined request when the client half-closes right after sending them", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(get(origin.authority, "/1") + get(origin.authority, "/2") + get(origin.authority, "/3"));
      client.socket.shutdown();
      await within(client.ended, 5000, "proxy ends the connection");
      const responses = parseResponses(client.text(), true);
      expect(responses.map((r) => r.body.split("\r\n")[0])).toEqual(["GET /1 HTTP/1.1", "GET /2 HTTP/1.1", "GET /3 HTTP/1.1"]);
    } finally {
      client.close();
    }
  });

  test("reuses the upstream connection for a second request to the same origin", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(get(origin.authority, "/1"));
      await readResponses(client, 1);
      client.write(get(origin.authority, "/2"));
      await readResponses(client, 2);
      expect(origin.conns).toHaveLength(1);
      expect(origin.conns[0]!.requests).toHaveLength(2);
    } finally {
      client.close();
    }
  });

  test("retries once on a fresh upstream connection when the kept one was closed while idle", async () => {
    await using origin = startHttpOrigin({
      respond: (req, conn) => {
        conn.write(okResponse(req.line));
        if (conn.index === 0) conn.destroy(); // the origin's idle timeout, right after the response
        return undefined;
      },
    });
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(get(origin.authority, "/1"));
      await readResponses(client, 1);
      await waitFor(() => origin.conns[0]!.closed, 2000, "the origin to drop its first connection");
      client.write(get(origin.authority, "/2"));
      const responses = await readResponses(client, 2);
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      expect(responses[1]!.body).toBe("GET /2 HTTP/1.1");
    } finally {
      client.close();
    }
  });

  test("keeps the client connection when the origin says Connection: close, and opens a new upstream", async () => {
    await using origin = startHttpOrigin({
      respond: (req, conn) => {
        conn.write(okResponse(req.line, "Connection: close\r\n"));
        conn.end();
        return undefined;
      },
    });
    await using proxy = await startTestProxy();
    const { client, responses } = await send(proxy.port, get(origin.authority, "/1") + get(origin.authority, "/2"), 2);
    client.close();
    expect(responses.map((r) => r.body)).toEqual(["GET /1 HTTP/1.1", "GET /2 HTTP/1.1"]);
    expect(responses.map((r) => fieldValues(r, "connection"))).toEqual([[], []]);
    expect(origin.conns).toHaveLength(2);
  });
});

describe("closing after a response says Connection: close", () => {
  test("when the client asked for close; a request pipelined after it is not forwarded", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const text = await sendUntilClose(proxy.port, get(origin.authority, "/1", "Connection: close\r\n") + get(origin.authority, "/2"));
    const responses = parseResponses(text, true);
    expect(responses).toHaveLength(1);
    expect(fieldValues(responses[0]!, "connection")).toEqual(["close"]);
    expect(origin.requests.map((r) => r.line)).toEqual(["GET /1 HTTP/1.1"]);
  });

  test("for an HTTP/1.0 client without keep-alive", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const text = await sendUntilClose(proxy.port, `GET http://${origin.authority}/ HTTP/1.0\r\n\r\n`);
    expect(fieldValues(parseResponses(text, true)[0]!, "connection")).toEqual(["close"]);
  });

  test("an HTTP/1.0 client that asks for keep-alive gets Connection: keep-alive and a second exchange", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const req = `GET http://${origin.authority}/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`;
    const { client, responses } = await send(proxy.port, req + req, 2);
    client.close();
    expect(responses.map((r) => fieldValues(r, "connection"))).toEqual([["keep-alive"], ["keep-alive"]]);
  });

  test("when the origin answers before the request body is complete (the rest of the body is never read)", async () => {
    await using origin = startHttpOrigin({
      onHead: (_req, conn) => conn.write("HTTP/1.1 413 Content Too Large\r\nContent-Length: 3\r\n\r\nbig"),
      respond: () => undefined,
    });
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(`POST http://${origin.authority}/ HTTP/1.1\r\nContent-Length: 1000000\r\n\r\nstart`);
      await within(client.ended, 5000, "proxy ends the connection");
      const [res] = parseResponses(client.text(), true);
      expect(res!.status).toBe(413);
      expect(fieldValues(res!, "connection")).toEqual(["close"]);
    } finally {
      client.close();
    }
  });
});

describe("requests for the proxy itself", () => {
  test("GET http://127.0.0.1:<proxy port>/healthz is served by our own app, not dialled as an upstream", async () => {
    await using proxy = await startTestProxy();
    const { client, responses } = await send(proxy.port, get(`127.0.0.1:${proxy.port}`, "/healthz"));
    client.close();
    expect(responses[0]!.status).toBe(200);
    expect(JSON.parse(responses[0]!.body)).toEqual(healthz);
  });

  test("a self-request can follow a proxied request on the same connection, and vice versa", async () => {
    await using origin = startHttpOrigin({ respond: () => okResponse("origin") });
    await using proxy = await startTestProxy();
    const self = get(`127.0.0.1:${proxy.port}`, "/healthz");
    const { client, responses } = await send(proxy.port, get(origin.authority) + self + get(origin.authority), 3);
    client.close();
    expect(responses.map((r) => r.body)).toEqual(["origin", healthzBody, "origin"]);
  });

  test("http://localhost:<proxy port>/healthz is a self-request too", async () => {
    await using proxy = await startTestProxy();
    const { client, responses } = await send(proxy.port, get(`localhost:${proxy.port}`, "/healthz"));
    client.close();
    expect(JSON.parse(responses[0]!.body)).toEqual(healthz);
  });
});
