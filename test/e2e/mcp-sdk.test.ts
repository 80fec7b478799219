/** The MCP SDK's StreamableHTTPClientTransport against server-everything through /mcp. */
import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { processGone, sessionPids } from "../helpers/mcp-children.ts";
import { mcpHttp } from "../helpers/mcp-http.ts";
import { everythingServer } from "../helpers/mcp-servers.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { waitFor } from "../helpers/wait.ts";

type SdkClient = Client & AsyncDisposable & { http: StreamableHTTPClientTransport };

async function connectSdk(url: string, options: { name?: string; sampling?: boolean } = {}): Promise<SdkClient> {
  const client = new Client({ name: options.name ?? "test-client", version: "1.0.0" }, { capabilities: options.sampling ? { sampling: {} } : {} });
  if (options.sampling) {
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      model: "test-model",
      role: "assistant",
      content: { type: "text", text: `sampled: ${request.params.maxTokens} tokens` },
    }));
  }
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  await client.connect(transport);
  return Object.assign(client, { http: transport, [Symbol.asyncDispose]: () => client.close() });
}

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

describe("SDK client over /mcp", () => {
  test("initializes, lists tools and calls echo against server-everything", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    await using client = await connectSdk(proxy.url);
    expect(client.http.sessionId).toBeString();
    expect(client.getServerVersion()?.name).toBeString();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["echo", "trigger-long-running-operation"]));
    expect(text(await client.callTool({ name: "echo", arguments: { message: "over /mcp" } }))).toBe("Echo: over /mcp");
    expect(await client.ping()).toEqual({});
    expect(proxy.logs.some((line) => /opened: pid \d+ on \/mcp/.test(line))).toBe(true);
  });

  test("delivers a long-running tool's progress notifications to the caller", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    await using client = await connectSdk(proxy.url);
    const seen: number[] = [];
    const result = await client.callTool({ name: "trigger-long-running-operation", arguments: { duration: 0.6, steps: 3 } }, undefined, {
      onprogress: (progress) => void seen.push(progress.progress),
    });
    expect(text(result)).toContain("Long running operation completed");
    expect(seen).toEqual([1, 2, 3]);
  });

  test("lets the server's sampling request reach the client and the client's answer reach the server", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    await using client = await connectSdk(proxy.url, { sampling: true });
    const result = await client.callTool({ name: "trigger-sampling-request", arguments: { prompt: "hello", maxTokens: 42 } });
    expect(text(result)).toContain("sampled: 42 tokens");
  });

  test("terminateSession() (DELETE) stops the child within 7 s", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    await using client = await connectSdk(proxy.url);
    const [pid] = sessionPids(proxy.logs);
    await client.http.terminateSession();
    await waitFor(() => processGone(pid!), 7000, "the child to be stopped");
  }, 15_000);

  test("gets 404 once its session is gone, and a re-initialized client works again", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    await using client = await connectSdk(proxy.url);
    const oldId = client.http.sessionId!;
    await fetch(`${proxy.url}/mcp`, { method: "DELETE", headers: { "Mcp-Session-Id": oldId } });
    const error = await client.listTools().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as StreamableHTTPError).code).toBe(404);
    await using again = await connectSdk(proxy.url);
    expect(again.http.sessionId).not.toBe(oldId);
    expect(text(await again.callTool({ name: "echo", arguments: { message: "back" } }))).toBe("Echo: back");
  }, 15_000);

  test("gives 10 concurrent clients a child each and only their own responses", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => connectSdk(proxy.url, { name: `client-${i}` })));
    try {
      // Same request ids in every session: a shared child or a broadcast would cross the answers.
      const results = await Promise.all(
        clients.map(async (client, i) => {
          const texts: string[] = [];
          for (let n = 0; n < 5; n++) texts.push(text(await client.callTool({ name: "echo", arguments: { message: `client ${i} call ${n}` } })));
          return texts;
        }),
      );
      results.forEach((texts, i) => expect(texts).toEqual([0, 1, 2, 3, 4].map((n) => `Echo: client ${i} call ${n}`)));
      expect(new Set(sessionPids(proxy.logs)).size).toBe(10);
      expect(new Set(clients.map((client) => client.http.sessionId)).size).toBe(10);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  }, 20_000);

  test("works with --json-response, progress included", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer, jsonResponse: true });
    await using client = await connectSdk(proxy.url);
    expect(text(await client.callTool({ name: "echo", arguments: { message: "json" } }))).toBe("Echo: json");
    const seen: number[] = [];
    await client.callTool({ name: "trigger-long-running-operation", arguments: { duration: 0.6, steps: 3 } }, undefined, {
      onprogress: (progress) => void seen.push(progress.progress),
    });
    // A JSON body carries only the response, so progress travels on the GET stream, another connection.
    // The last step is sent just before the response and can arrive after it, when the SDK no longer
    // listens for it; the earlier steps, 200 ms ahead, must all arrive, in order.
    expect(seen.slice(0, 2)).toEqual([1, 2]);
    expect([[1, 2], [1, 2, 3]]).toContainEqual(seen);
  });
});

describe("server-everything over raw /mcp", () => {
  test("sends a tool's progress on the POST stream of its request, before the response, and nothing to GET", async () => {
    await using proxy = await startTestProxy({ sse: everythingServer });
    await using client = mcpHttp(proxy.url);
    await client.initialize("2025-06-18");
    const get = await client.get({ "MCP-Protocol-Version": "2025-06-18" });
    const call = {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "trigger-long-running-operation", arguments: { duration: 0.4, steps: 2 }, _meta: { progressToken: "op" } },
    };
    const post = await client.postStream(call, { "MCP-Protocol-Version": "2025-06-18" });
    const messages = (await post.rest(10_000)).map((event) => JSON.parse(event.data));
    expect(messages.map((m) => m.method ?? `response ${m.id}`)).toEqual(["notifications/progress", "notifications/progress", "response 2"]);
    expect(messages.slice(0, 2).map((m) => m.params.progressToken)).toEqual(["op", "op"]);
    expect(get.seen.filter((event) => event.data.includes("progress"))).toEqual([]);
  });
});
