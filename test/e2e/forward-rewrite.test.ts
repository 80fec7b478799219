/**
 * Plain-HTTP forwarding: what the proxy does to the request line and to the fields in both
 * directions (RFC 9112 §3.2.2, RFC 9110 §7.6.1), checked as exact bytes at a raw origin.
 */
import { describe, expect, test } from "bun:test";
import { send, sendUntilClose } from "../helpers/forward-client.ts";
import { fieldValues, okResponse, parseResponses, splitResponse, startHttpOrigin } from "../helpers/http-origin.ts";
import { startTestProxy } from "../helpers/proxy.ts";

/** Binding port 80 needs privileges, so the :80 rule lives in the unit tests; IPv6 needs ::1. */
const hasIPv6Loopback = (() => {
  try {
    Bun.listen({ hostname: "::1", port: 0, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
})();

describe("request line and Host", () => {
  test("rewrites an absolute-form target to origin-form and sends Host from the URI, with the exact bytes", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const { client, responses } = await send(
      proxy.port,
      `GET http://${origin.authority}/a/b?x=1&y=%20 HTTP/1.1\r\nHost: ${origin.authority}\r\nAccept: */*\r\n\r\n`,
    );
    client.close();
    expect(origin.requests[0]!.head).toBe(
      `GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: ${origin.authority}\r\nAccept: */*\r\nVia: 1.1 mcp-proxy\r\n\r\n`,
    );
    expect(responses[0]!.status).toBe(200);
    // The origin echoes what it got: the client sees the same bytes as the body.
    expect(responses[0]!.body).toBe(origin.requests[0]!.head);
  });

  test("sends / for an absolute URI without a path, and drops the fragment", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const a = await send(proxy.port, `GET http://${origin.authority} HTTP/1.1\r\nHost: x\r\n\r\n`);
    a.client.close();
    const b = await send(proxy.port, `GET http://${origin.authority}?q#frag HTTP/1.1\r\nHost: x\r\n\r\n`);
    b.client.close();
    expect(origin.requests.map((r) => r.line)).toEqual(["GET / HTTP/1.1", "GET /?q HTTP/1.1"]);
  });

  test("replaces a lying Host field with the URI's authority instead of forwarding both", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const { client } = await send(proxy.port, `GET http://${origin.authority}/ HTTP/1.1\r\nHost: evil.test\r\n\r\n`);
    client.close();
    expect(fieldValues({ headers: origin.requests[0]!.headers }, "host")).toEqual([origin.authority]);
    expect(origin.requests[0]!.head).not.toContain("evil.test");
  });

  test("adds a Host when the client sent none (HTTP/1.0)", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const { client } = await send(proxy.port, `GET http://${origin.authority}/ten HTTP/1.0\r\n\r\n`);
    client.close();
    expect(origin.requests[0]!.head).toBe(`GET /ten HTTP/1.1\r\nHost: ${origin.authority}\r\nVia: 1.1 mcp-proxy\r\n\r\n`);
  });

  test("drops userinfo from the URI: it reaches neither the request line nor Host", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const { client } = await send(proxy.port, `GET http://user:s3cret@${origin.authority}/p HTTP/1.1\r\nHost: x\r\n\r\n`);
    client.close();
    expect(origin.requests[0]!.line).toBe("GET /p HTTP/1.1");
    expect(origin.requests[0]!.head).not.toContain("s3cret");
    expect(origin.requests[0]!.head).not.toContain("user");
  });

  test.skipIf(!hasIPv6Loopback)("brackets an IPv6 literal in Host (origin on [::1]; :80 is left out, see unit tests)", async () => {
    const received: string[] = [];
    const v6 = Bun.listen({
      hostname: "::1",
      port: 0,
      socket: {
        data(socket, data) {
          received.push(Buffer.from(data).toString("latin1"));
          socket.write("HTTP/1.1 204 No Content\r\n\r\n");
        },
      },
    });
    try {
      await using proxy = await startTestProxy();
      const { client, responses } = await send(proxy.port, `GET http://[::1]:${v6.port}/six HTTP/1.1\r\nHost: x\r\n\r\n`);
      client.close();
      expect(responses[0]!.status).toBe(204);
      expect(received.join("")).toStartWith(`GET /six HTTP/1.1\r\nHost: [::1]:${v6.port}\r\n`);
    } finally {
      v6.stop(true);
    }
  });

  test("refuses an absolute https:// URI with 400 that says to use CONNECT, and never dials it", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const text = await sendUntilClose(proxy.port, `GET https://${origin.authority}/ HTTP/1.1\r\nHost: ${origin.authority}\r\n\r\n`);
    const { status, headers, body } = splitResponse(text);
    expect(status).toBe("HTTP/1.1 400 Bad Request");
    expect(headers).toContain("Connection: close");
    expect(body).toContain("CONNECT");
    expect(origin.conns).toHaveLength(0);
  });

  test("refuses an origin-form request that follows a proxied one on the same connection with 400", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const { client } = await send(proxy.port, `GET http://${origin.authority}/first HTTP/1.1\r\nHost: x\r\n\r\n`);
    const before = client.text().length;
    client.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n\r\n`);
    await client.ended;
    client.close();
    const second = splitResponse(client.text().slice(before));
    expect(second.status).toBe("HTTP/1.1 400 Bad Request");
    expect(second.headers).toContain("Connection: close");
    expect(origin.requests).toHaveLength(1);
  });
});

describe("hop-by-hop fields (RFC 9110 §7.6.1)", () => {
  test("strips them from the request, keeps every other field in order with duplicates, and adds Via", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const head =
      `GET http://${origin.authority}/h HTTP/1.1\r\n` +
      `Host: ${origin.authority}\r\n` +
      "X-First: 1\r\n" +
      "Connection: keep-alive, X-Secret, x-other\r\n" +
      "X-Secret: named in Connection\r\n" +
      "Proxy-Connection: keep-alive\r\n" +
      "Keep-Alive: timeout=5\r\n" +
      "TE: trailers\r\n" +
      "Trailer: X-T\r\n" +
      "Upgrade: h2c\r\n" +
      "Proxy-Authorization: Basic dTpw\r\n" +
      "Proxy-Authenticate: Basic\r\n" +
      "Accept: a\r\n" +
      "X-Dup: one\r\n" +
      "X-Other: also named\r\n" +
      "x-dup: two\r\n" +
      "Cookie: a=1\r\n" +
      "Cookie: b=2\r\n" +
      "\r\n";
    const { client } = await send(proxy.port, head);
    client.close();
    expect(origin.requests[0]!.head).toBe(
      "GET /h HTTP/1.1\r\n" +
        `Host: ${origin.authority}\r\n` +
        "X-First: 1\r\n" +
        "Accept: a\r\n" +
        "X-Dup: one\r\n" +
        "x-dup: two\r\n" +
        "Cookie: a=1\r\n" +
        "Cookie: b=2\r\n" +
        "Via: 1.1 mcp-proxy\r\n\r\n",
    );
  });

  test("does not let Connection: content-length strip the body's framing (the body would be smuggled as a request)", async () => {
    await using origin = startHttpOrigin();
    await using proxy = await startTestProxy();
    const { client } = await send(
      proxy.port,
      `POST http://${origin.authority}/ HTTP/1.1\r\nConnection: content-length\r\nContent-Length: 19\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n`,
    );
    client.close();
    expect(origin.requests).toHaveLength(1);
    expect(origin.requests[0]!.head).toContain("\r\nContent-Length: 19\r\n");
    expect(origin.requests[0]!.rawBody.toString()).toBe("GET /smuggled HTTP/1.1\r\n\r\n".slice(0, 19));
  });

  test("strips them from the response, keeps two Set-Cookie lines in order, and adds Via", async () => {
    const response =
      "HTTP/1.1 200 OK\r\n" +
      "Set-Cookie: a=1; Path=/\r\n" +
      "Connection: X-Hop\r\n" +
      "X-Hop: gone\r\n" +
      "Keep-Alive: timeout=5\r\n" +
      "Proxy-Authenticate: Basic realm=x\r\n" +
      "Proxy-Connection: keep-alive\r\n" +
      "Trailer: X-T\r\n" +
      "Upgrade: h2c\r\n" +
      "Set-Cookie: b=2; Path=/\r\n" +
      "Content-Length: 2\r\n" +
      "\r\nok";
    await using origin = startHttpOrigin({ respond: () => response });
    await using proxy = await startTestProxy();
    const { client } = await send(proxy.port, `GET http://${origin.authority}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
    client.close();
    const [res] = parseResponses(client.text());
    expect(res!.statusLine).toBe("HTTP/1.1 200 OK");
    expect(res!.headers).toEqual([
      ["Set-Cookie", "a=1; Path=/"],
      ["Set-Cookie", "b=2; Path=/"],
      ["Content-Length", "2"],
      ["Via", "1.1 mcp-proxy"],
    ]);
    expect(res!.body).toBe("ok");
  });

  test("keeps an upstream Via and appends ours after it", async () => {
    await using origin = startHttpOrigin({ respond: () => "HTTP/1.1 200 OK\r\nVia: 1.0 fred\r\nContent-Length: 0\r\n\r\n" });
    await using proxy = await startTestProxy();
    const { client, responses } = await send(proxy.port, `GET http://${origin.authority}/ HTTP/1.1\r\nVia: 1.1 upstream-of-us\r\n\r\n`);
    client.close();
    expect(fieldValues({ headers: origin.requests[0]!.headers }, "via")).toEqual(["1.1 upstream-of-us", "1.1 mcp-proxy"]);
    expect(fieldValues(responses[0]!, "via")).toEqual(["1.0 fred", "1.1 mcp-proxy"]);
  });

  test("passes the reason phrase and status through unchanged (418, empty reason)", async () => {
    let n = 0;
    await using origin = startHttpOrigin({
      respond: () => (n++ === 0 ? "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n" : "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n"),
    });
    await using proxy = await startTestProxy();
    const get = `GET http://${origin.authority}/ HTTP/1.1\r\n\r\n`;
    const { client, responses } = await send(proxy.port, get + get, 2);
    client.close();
    expect(responses.map((r) => r.statusLine)).toEqual(["HTTP/1.1 418 I'm a teapot", "HTTP/1.1 299 "]);
  });
});

test("okResponse helper frames its body (guards the helper itself)", () => {
  const [res] = parseResponses(Buffer.from(okResponse("abc")).toString("latin1"));
  expect(res!.body).toBe("abc");
});
