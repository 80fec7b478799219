/**
 * Plain-HTTP forwarding: message framing (RFC 9112 §6–§7). Request bodies stream through by
 * Content-Length or chunked; every ambiguous head is refused before anything is dialled;
 * responses are framed by Content-Length, chunked or close, and bodiless ones have no body.
 */
import { describe, expect, test } from "bun:test";
import { readResponses, send, sendUntilClose } from "../helpers/forward-client.ts";
import { fieldValues, okResponse, parseResponses, splitResponse, startHttpOrigin } from "../helpers/http-origin.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { waitFor, within } from "../helpers/wait.ts";

describe("request bodies", () => {
  test("streams a Content-Length body: the origin has the first part before the client sends the rest", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(`POST http://${origin.authority}/up HTTP/1.1\r\nContent-Length: 10\r\n\r\nfirst`);
      await waitFor(() => origin.conns[0]?.received().toString("latin1").endsWith("first"), 3000, "first half at the origin");
      expect(origin.requests).toHaveLength(0);
      client.write("-last");
      const [res] = await readResponses(client, 1);
      expect(res!.status).toBe(200);
      expect(origin.requests[0]!.rawBody.toString()).toBe("first-last");
      expect(origin.requests[0]!.head).toContain("\r\nContent-Length: 10\r\n");
    } finally {
      client.close();
    }
  });

  test("streams a chunked body byte-exact (extensions and trailers kept) and keeps Transfer-Encoding", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(`POST http://${origin.authority}/up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n`);
      await waitFor(() => origin.conns[0]?.received().toString("latin1").endsWith("hello\r\n"), 3000, "first chunk at the origin");
      expect(origin.requests).toHaveLength(0);
      client.write("6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
      const [res] = await readResponses(client, 1);
      expect(res!.status).toBe(200);
      const req = origin.requests[0]!;
      expect(req.head).toContain("\r\nTransfer-Encoding: chunked\r\n");
      expect(req.rawBody.toString()).toBe("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    } finally {
      client.close();
    }
  });

  test("relays 100 Continue at once, before the client has sent any body", async () => {
    await using origin = startHttpOrigin({
      onHead: (req, conn) => {
        if (req.headers.some(([n, v]) => n.toLowerCase() === "expect" && v === "100-continue")) conn.write("HTTP/1.1 100 Continue\r\n\r\n");
      },
    });
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    try {
      client.write(`PUT http://${origin.authority}/c HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n`);
      const continued = await client.readUntil("\r\n\r\n", 3000);
      expect(continued).toBe("HTTP/1.1 100 Continue\r\n\r\n");
      client.write("body");
      const responses = await readResponses(client, 2);
      expect(responses.map((r) => r.status)).toEqual([100, 200]);
      expect(origin.requests[0]!.rawBody.toString()).toBe("body");
    } finally {
      client.close();
    }
  });

  test("relays 103 Early Hints with its fields, then the final response", async () => {
    await using origin = startHttpOrigin({
      respond: () => "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
    });
    await using proxy = await startTestProxy();
    const { client, responses } = await send(proxy.port, `GET http://${origin.authority}/ HTTP/1.1\r\n\r\n`, 2);
    client.close();
    expect(responses.map((r) => r.statusLine)).toEqual(["HTTP/1.1 103 Early Hints", "HTTP/1.1 200 OK"]);
    expect(fieldValues(responses[0]!, "link")).toEqual(["</s.css>; rel=preload"]);
    expect(responses[1]!.body).toBe("x");
  });
});

describe("ambiguous or malformed request heads are refused with 400 and close, before dialling", () => {
  const cases: [string, (authority: string) => string][] = [
    ["Content-Length together with Transfer-Encoding", (a) => `POST http://${a}/ HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ["two Content-Length fields, even equal", (a) => `POST http://${a}/ HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc`],
    ["Content-Length NaN", (a) => `POST http://${a}/ HTTP/1.1\r\nContent-Length: abc\r\n\r\n`],
    ["Content-Length -1", (a) => `POST http://${a}/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n`],
    ["Content-Length 1,2", (a) => `POST http://${a}/ HTTP/1.1\r\nContent-Length: 1,2\r\n\r\nab`],
    ["Content-Length +3", (a) => `POST http://${a}/ HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc`],
    ["Transfer-Encoding gzip (final coding not chunked)", (a) => `POST http://${a}/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n`],
    ["Transfer-Encoding chunked, gzip", (a) => `POST http://${a}/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n`],
    ["Transfer-Encoding chunked, chunked", (a) => `POST http://${a}/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ["Transfer-Encoding xchunked", (a) => `POST http://${a}/ HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n`],
    ["whitespace before a colon", (a) => `GET http://${a}/ HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n`],
    ["obs-fold", (a) => `GET http://${a}/ HTTP/1.1\r\nX-A: one\r\n  two\r\n\r\n`],
    ["CR in the target", (a) => `GET http://${a}/a\rb HTTP/1.1\r\n\r\n`],
    ["LF in the target", (a) => `GET http://${a}/a\nb HTTP/1.1\r\n\r\n`],
    ["NUL in the target", (a) => `GET http://${a}/a\0b HTTP/1.1\r\n\r\n`],
    ["two Host fields", (a) => `GET http://${a}/ HTTP/1.1\r\nHost: ${a}\r\nHost: other.test\r\n\r\n`],
    ["NUL in a field value", (a) => `GET http://${a}/ HTTP/1.1\r\nX-A: a\0b\r\n\r\n`],
  ];
  for (const [what, make] of cases) {
    test(what, async () => {
      await using origin = startHttpOrigin();
      await using proxy = await startTestProxy();
      const text = await sendUntilClose(proxy.port, make(origin.authority));
      const { status, headers, body } = splitResponse(text);
      expect(status).toBe("HTTP/1.1 400 Bad Request");
      expect(headers).toContain("Connection: close");
      expect(headers).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
      // Exactly one response: nothing after the error body.
      expect(parseResponses(text, true)).toHaveLength(1);
      expect(origin.conns).toHaveLength(0);
    });
  }

  test("refuses a bad head that follows a good one on a kept connection, and forwards nothing of it", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const good = `GET http://${origin.authority}/ok HTTP/1.1\r\n\r\n`;
    const bad = `POST http://${origin.authority}/smuggle HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n`;
    const text = await sendUntilClose(proxy.port, good + bad);
    const responses = parseResponses(text, true);
    expect(responses.map((r) => r.status)).toEqual([200, 400]);
    expect(origin.requests.map((r) => r.line)).toEqual(["GET /ok HTTP/1.1"]);
    expect(origin.conns.map((c) => c.received().toString("latin1")).join("")).not.toContain("smuggle");
  });

  test("answers 414 to a request line over 16 KiB", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const text = await sendUntilClose(proxy.port, `GET http://${origin.authority}/${"a".repeat(17 * 1024)} HTTP/1.1\r\n\r\n`);
    expect(splitResponse(text).status).toBe("HTTP/1.1 414 URI Too Long");
    expect(origin.conns).toHaveLength(0);
  });

  test("answers 414 to a request line over 16 KiB that comes second on a kept connection", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const good = `GET http://${origin.authority}/ok HTTP/1.1\r\n\r\n`;
    const text = await sendUntilClose(proxy.port, `${good}GET http://${origin.authority}/${"a".repeat(17 * 1024)} HTTP/1.1\r\n\r\n`);
    expect(parseResponses(text, true).map((r) => r.status)).toEqual([200, 414]);
  });

  test("accepts a request line just under 16 KiB", async () => {
    await using origin = startHttpOrigin({ respond: () => okResponse("fine") });
    await using proxy = await startTestProxy();
    const prefix = `GET http://${origin.authority}/`;
    const line = `${prefix}${"a".repeat(16 * 1024 - prefix.length - " HTTP/1.1".length - 2)} HTTP/1.1`;
    const { client, responses } = await send(proxy.port, `${line}\r\n\r\n`);
    client.close();
    expect(responses[0]!.status).toBe(200);
  });

  test("answers 431 to a head over 64 KiB", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const filler = `X-Filler: ${"b".repeat(1000)}\r\n`.repeat(70);
    const text = await sendUntilClose(proxy.port, `GET http://${origin.authority}/ HTTP/1.1\r\n${filler}\r\n`);
    expect(splitResponse(text).status).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(origin.conns).toHaveLength(0);
  });
});

describe("response framing", () => {
  const get = (authority: string, path = "/") => `GET http://${authority}${path} HTTP/1.1\r\n\r\n`;

  test("forwards a chunked response byte-exact and takes the next request on the same connection", async () => {
    const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n";
    await using origin = startHttpOrigin({ respond: () => chunked });
    await using proxy = await startTestProxy();
    const { client, responses } = await send(proxy.port, get(origin.authority) + get(origin.authority), 2);
    client.close();
    expect(responses[0]!.rawBody).toBe("3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n");
    expect(responses[0]!.body).toBe("abcde");
    expect(responses[1]!.body).toBe("abcde");
    expect(fieldValues(responses[0]!, "connection")).toEqual([]);
  });

  test("ends a close-delimited response with the origin's close and says Connection: close to a keep-alive client", async () => {
    await using origin = startHttpOrigin({
      respond: (_req, conn) => {
        conn.write("HTTP/1.1 200 OK\r\n\r\nuntil close");
        conn.end();
        return undefined;
      },
    });
    await using proxy = await startTestProxy();
    const text = await sendUntilClose(proxy.port, get(origin.authority));
    const [res] = parseResponses(text, true);
    expect(res!.body).toBe("until close");
    expect(fieldValues(res!, "connection")).toEqual(["close"]);
  });

  test("sends no body for HEAD even when the origin says Content-Length, and keeps the connection", async () => {
    await using origin = startHttpOrigin({
      respond: (req) => (req.line.startsWith("HEAD") ? "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" : okResponse("after head")),
    });
    await using proxy = await startTestProxy();
    const { client, responses } = await send(
      proxy.port,
      `HEAD http://${origin.authority}/ HTTP/1.1\r\n\r\n${get(origin.authority)}`,
      2,
      (i) => i === 0,
    );
    client.close();
    expect(fieldValues(responses[0]!, "content-length")).toEqual(["1000"]);
    expect(responses[1]!.body).toBe("after head");
  });

  for (const status of ["204 No Content", "304 Not Modified"]) {
    test(`sends no body for ${status} and takes the next request`, async () => {
      let n = 0;
      await using origin = startHttpOrigin({ respond: () => (n++ === 0 ? `HTTP/1.1 ${status}\r\nETag: "e"\r\n\r\n` : okResponse("next")) });
      await using proxy = await startTestProxy();
      const { client, responses } = await send(proxy.port, get(origin.authority) + get(origin.authority), 2);
      client.close();
      expect(responses[0]!.statusLine).toBe(`HTTP/1.1 ${status}`);
      expect(responses[1]!.body).toBe("next");
    });
  }

  test("does not forward bytes an origin sends past its Content-Length", async () => {
    await using origin = startHttpOrigin({ respond: () => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil" });
    await using proxy = await startTestProxy();
    const { client, responses } = await send(proxy.port, get(origin.authority) + get(origin.authority, "/second"), 2);
    client.close();
    expect(responses.map((r) => r.body)).toEqual(["ok", "ok"]);
    // The tainted connection is not reused: the second request went on a new one.
    expect(origin.conns).toHaveLength(2);
  });

  test("re-frames a chunked response for an HTTP/1.0 client as close-delimited", async () => {
    await using origin = startHttpOrigin({ respond: () => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" });
    await using proxy = await startTestProxy();
    const text = await sendUntilClose(proxy.port, `GET http://${origin.authority}/ HTTP/1.0\r\n\r\n`);
    const { headers, body } = splitResponse(text);
    expect(headers.some((h) => h.toLowerCase().startsWith("transfer-encoding"))).toBe(false);
    expect(headers).toContain("Connection: close");
    expect(body).toBe("abc");
  });

  test("drops Content-Length from a response that also has Transfer-Encoding (RFC 9112 §6.3)", async () => {
    await using origin = startHttpOrigin({
      respond: () => "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    });
    await using proxy = await startTestProxy();
    const { client, responses } = await send(proxy.port, get(origin.authority));
    client.close();
    expect(fieldValues(responses[0]!, "content-length")).toEqual([]);
    expect(responses[0]!.body).toBe("abc");
  });

  test("answers 502 to a response with an invalid Content-Length", async () => {
    await using origin = startHttpOrigin({ respond: () => "HTTP/1.1 200 OK\r\nContent-Length: 1,2\r\n\r\nab" });
    await using proxy = await startTestProxy();
    const text = await within(sendUntilClose(proxy.port, get(origin.authority)), 5000, "502");
    expect(splitResponse(text).status).toBe("HTTP/1.1 502 Bad Gateway");
  });
});
