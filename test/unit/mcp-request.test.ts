/** The pure request checks of /mcp: body parsing, header checks, message kinds. */
import { describe, expect, test } from "bun:test";
import { batchesAllowed, checkContentType, checkGetAccept, checkPostAccept, checkProtocolVersion, primes } from "../../src/app/mcp-headers.ts";
import { JsonRpcHttpError } from "../../src/errors.ts";
import { parseBody } from "../../src/mcp/incoming.ts";
import { idKey, kindOf, notificationProgressToken, requestProgressToken } from "../../src/mcp/jsonrpc.ts";

function failure(fn: () => unknown): { status: number; code: number } | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof JsonRpcHttpError) return { status: error.status, code: error.code };
    throw error;
  }
  return undefined;
}

describe("parseBody", () => {
  test("keeps a single message's text on one line, big integer ids exact", () => {
    const { incoming, batch } = parseBody('{\r\n "jsonrpc": "2.0",\n "id": 12345678901234567890, "method": "ping"}\n');
    expect(batch).toBe(false);
    expect(incoming[0]!.line).toBe('{  "jsonrpc": "2.0",  "id": 12345678901234567890, "method": "ping"}');
    expect(incoming[0]!.kind).toBe("request");
  });

  test("splits a batch into one line per message", () => {
    const { incoming, batch } = parseBody('[{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","id":1,"result":{}}]');
    expect(batch).toBe(true);
    expect(incoming.map((item) => [item.kind, item.line])).toEqual([
      ["notification", '{"jsonrpc":"2.0","method":"a"}'],
      ["response", '{"jsonrpc":"2.0","id":1,"result":{}}'],
    ]);
  });

  test.each([["{"], [""], ["nope"]])("answers 400 / -32700 to unparsable %j", (body) => {
    expect(failure(() => parseBody(body))).toEqual({ status: 400, code: -32700 });
  });

  test.each([["[]"], ["1"], ['{"method":"x"}'], ['{"jsonrpc":"2.0","id":{},"method":"x"}'], ['[{"jsonrpc":"2.0","method":"a"}, 2]']])(
    "answers 400 / -32600 to the non-message %s",
    (body) => {
      expect(failure(() => parseBody(body))).toEqual({ status: 400, code: -32600 });
    },
  );
});

describe("header checks", () => {
  test.each([["application/json, text/event-stream"], ["text/event-stream;q=0.9, application/json"], ["*/*"], ["application/*, text/*"]])(
    "POST accepts Accept: %s",
    (accept) => expect(failure(() => checkPostAccept(accept))).toBeUndefined(),
  );

  test.each([[null], ["application/json"], ["text/event-stream"], ["text/html"]])("POST refuses Accept: %s with 406", (accept) => {
    expect(failure(() => checkPostAccept(accept))?.status).toBe(406);
  });

  test("GET needs text/event-stream", () => {
    expect(failure(() => checkGetAccept("text/event-stream"))).toBeUndefined();
    expect(failure(() => checkGetAccept("application/json"))?.status).toBe(406);
  });

  test("Content-Type must be application/json, parameters allowed", () => {
    expect(failure(() => checkContentType("application/json; charset=utf-8"))).toBeUndefined();
    expect(failure(() => checkContentType("Application/JSON"))).toBeUndefined();
    for (const bad of [null, "", "text/plain", "application/jsonx"]) expect(failure(() => checkContentType(bad))?.status).toBe(415);
  });

  test("MCP-Protocol-Version: the four known versions, absent allowed, anything else 400", () => {
    for (const version of ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]) expect(checkProtocolVersion(version)).toBe(version);
    expect(checkProtocolVersion(null)).toBeUndefined();
    for (const bad of ["", "2025-01-01", "latest"]) expect(failure(() => checkProtocolVersion(bad))?.status).toBe(400);
  });

  test("batches up to 2025-03-26, priming from 2025-11-25", () => {
    expect([batchesAllowed("2024-11-05"), batchesAllowed("2025-03-26"), batchesAllowed("2025-06-18")]).toEqual([true, true, false]);
    expect([primes("2025-06-18"), primes("2025-11-25")]).toEqual([false, true]);
  });
});

describe("message kinds", () => {
  test("tell requests, notifications and responses apart", () => {
    expect(kindOf({ jsonrpc: "2.0", id: 1, method: "x" })).toBe("request");
    expect(kindOf({ jsonrpc: "2.0", method: "x" })).toBe("notification");
    expect(kindOf({ jsonrpc: "2.0", id: "a", result: {} })).toBe("response");
    expect(kindOf({ jsonrpc: "2.0", id: null, error: {} })).toBe("response");
    expect(kindOf({ jsonrpc: "2.0", id: null, method: "x" })).toBe("invalid");
  });

  test("keep the ids 1 and \"1\" apart, and read progress tokens from both directions", () => {
    expect(idKey(1)).not.toBe(idKey("1"));
    expect(requestProgressToken({ params: { _meta: { progressToken: 5 } } })).toBe(idKey(5));
    expect(notificationProgressToken({ params: { progressToken: 5 } })).toBe(idKey(5));
    expect(requestProgressToken({ params: {} })).toBeUndefined();
  });
});
