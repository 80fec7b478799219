/** The child → client routing of a /mcp session: which flow each child message goes to. */
import { describe, expect, test } from "bun:test";
import { JsonRpcHttpError } from "../../src/errors.ts";
import { parseBody } from "../../src/mcp/incoming.ts";
import { GET_FLOW, Router } from "../../src/mcp/router.ts";

const request = (id: unknown, method = "tools/call", params: object = {}) => ({ jsonrpc: "2.0", id, method, params });
const withToken = (id: unknown, token: unknown) => request(id, "tools/call", { _meta: { progressToken: token } });
const post = (...messages: object[]) => parseBody(JSON.stringify(messages.length === 1 ? messages[0] : messages)).incoming;
const result = (id: unknown, value: object = {}) => ({ jsonrpc: "2.0", id, result: value });
const progress = (token: unknown) => ({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: token, progress: 1 } });

describe("Router", () => {
  test("sends a response to the flow of its request, and says when it was the flow's last", () => {
    const router = new Router();
    const a = router.open(post(request(1)), false);
    const b = router.open(post(request(2), request(3)), false);
    expect([a, b]).toEqual([1, 2]);
    expect(router.route(result(2))).toEqual({ to: "response", flow: b, key: "2", last: false });
    expect(router.route(result(1))).toEqual({ to: "response", flow: a, key: "1", last: true });
    expect(router.isOpen(a)).toBe(false);
    expect(router.route(result(3))).toEqual({ to: "response", flow: b, key: "3", last: true });
    expect(router.isOpen(b)).toBe(false);
  });

  test("never sends a response to the GET stream, nor twice: one nothing waits for goes nowhere", () => {
    const router = new Router();
    router.open(post(request(1)), false);
    expect(router.route(result(1)).to).toBe("response");
    expect(router.route(result(1))).toEqual({ to: "nowhere", key: "1" });
    expect(router.route(result(99))).toEqual({ to: "nowhere", key: "99" });
  });

  test("keeps the ids 1 and \"1\" apart (JSON-RPC 2.0 §4: different ids)", () => {
    const router = new Router();
    const numeric = router.open(post(request(1)), false);
    const text = router.open(post(request("1")), false);
    expect(router.route(result("1"))).toMatchObject({ flow: text, key: '"1"' });
    expect(router.route(result(1))).toMatchObject({ flow: numeric, key: "1" });
  });

  test("sends progress to the flow of the request that asked for it, until that request is answered", () => {
    const router = new Router();
    const flow = router.open(post(withToken(1, "tok")), false);
    expect(router.route(progress("tok"))).toEqual({ to: "event", flow });
    router.route(result(1));
    expect(router.route(progress("tok"))).toEqual({ to: "event", flow: GET_FLOW });
  });

  test("sends everything else to the GET stream: unknown progress, server requests, logging, list_changed", () => {
    const router = new Router();
    router.open(post(withToken(1, 7)), false);
    for (const message of [
      progress("7"),
      request(50, "sampling/createMessage"),
      { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } },
      { jsonrpc: "2.0", method: "notifications/tools/list_changed" },
      [1, 2],
    ]) {
      expect(router.route(message)).toEqual({ to: "event", flow: GET_FLOW });
    }
  });

  test("sends a --json-response flow's progress to the GET stream: its JSON body carries responses only", () => {
    const router = new Router();
    const flow = router.open(post(withToken(1, "tok")), true);
    expect(router.route(progress("tok"))).toEqual({ to: "event", flow: GET_FLOW });
    expect(router.route(result(1))).toEqual({ to: "response", flow, key: "1", last: true });
  });

  test("refuses an id still in flight with 400 / -32600, within a batch or across POSTs, and opens no flow", () => {
    const router = new Router();
    router.open(post(request(1)), false);
    for (const incoming of [post(request(1)), post(request(2), request(2))]) {
      let error: unknown;
      try {
        router.open(incoming, false);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(JsonRpcHttpError);
      expect([(error as JsonRpcHttpError).status, (error as JsonRpcHttpError).code]).toEqual([400, -32600]);
    }
    expect(router.issued(2)).toBe(false);
    // Once answered, an id may be used again.
    router.route(result(1));
    expect(router.open(post(request(1)), false)).toBe(2);
  });

  test("counts notifications and responses in a POST as nothing to wait for", () => {
    const router = new Router();
    const flow = router.open(post(request(1), { jsonrpc: "2.0", method: "notifications/cancelled", params: {} }, { jsonrpc: "2.0", id: 9, result: {} }), false);
    expect(router.route(result(1))).toEqual({ to: "response", flow, key: "1", last: true });
  });

  test("learns the negotiated protocol version from the initialize response only", () => {
    const router = new Router();
    router.open(post(request(5, "tools/list")), false);
    router.route(result(5, { protocolVersion: "2024-11-05" }));
    expect(router.protocolVersion).toBeUndefined();
    router.open(post(request(0, "initialize")), false);
    router.route(result(0, { protocolVersion: "2025-06-18" }));
    expect(router.protocolVersion).toBe("2025-06-18");
  });

  test("abandon() settles every waiting request in order, flagging each flow's last, and leaves nothing open", () => {
    const router = new Router();
    const a = router.open(post(request(1), request(2)), false);
    const b = router.open(post(withToken(3, "t")), false);
    router.route(result(1));
    expect(router.abandon()).toEqual([
      { to: "response", flow: a, key: "2", last: true },
      { to: "response", flow: b, key: "3", last: true },
    ]);
    expect([router.isOpen(a), router.isOpen(b), router.isOpen(GET_FLOW)]).toEqual([false, false, true]);
    expect(router.abandon()).toEqual([]);
    expect(router.route(progress("t"))).toEqual({ to: "event", flow: GET_FLOW });
  });

  test("issued() knows which flow numbers exist, so a Last-Event-ID from the future is refused", () => {
    const router = new Router();
    expect([router.issued(GET_FLOW), router.issued(1)]).toEqual([true, false]);
    router.open(post(request(1)), false);
    expect(router.issued(1)).toBe(true);
  });
});
