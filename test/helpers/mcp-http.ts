/**
 * A hand-driven Streamable HTTP client for /mcp tests: it sends exactly the headers a test
 * asks for, keeps the session id from initialize, and reads event-stream answers with
 * sse-reader.ts. Every stream it opens is aborted by close() / `await using`.
 */
import { readSse, type SseReader } from "./sse-reader.ts";

export const BOTH = "application/json, text/event-stream";

export interface McpStream extends SseReader {
  response: Response;
  abort(): void;
}

export interface McpHttp extends AsyncDisposable {
  url: string;
  sessionId: string | undefined;
  /** POST a body (an object is JSON-encoded) with the session header and these headers. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** POST, expecting 200 text/event-stream; returns the stream. */
  postStream(body: unknown, headers?: Record<string, string>): Promise<McpStream>;
  /** GET /mcp, expecting 200 text/event-stream. */
  get(headers?: Record<string, string>): Promise<McpStream>;
  /** Initializes a session (the answer is read to its end) and sends notifications/initialized. */
  initialize(protocolVersion?: string): Promise<unknown>;
  /** Turns a response into a stream reader (aborted with the client). */
  stream(response: Response): McpStream;
  close(): void;
}

export function mcpHttp(baseUrl: string): McpHttp {
  const url = `${baseUrl}/mcp`;
  const aborts: AbortController[] = [];
  const request = (method: string, body: unknown, headers: Record<string, string>) => {
    const abort = new AbortController();
    aborts.push(abort);
    const base: Record<string, string> = method === "POST" ? { Accept: BOTH, "Content-Type": "application/json" } : { Accept: "text/event-stream" };
    if (client.sessionId) base["Mcp-Session-Id"] = client.sessionId;
    return fetch(url, {
      method,
      signal: abort.signal,
      headers: { ...base, ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    }).then((response) => Object.assign(response, { abort: () => abort.abort() }));
  };
  const stream = (response: Response): McpStream => {
    if (response.status !== 200 || !response.body || response.headers.get("content-type") !== "text/event-stream") {
      throw new Error(`expected 200 text/event-stream, got ${response.status} ${response.headers.get("content-type")}`);
    }
    return Object.assign(readSse(response.body), { response, abort: (response as Response & { abort(): void }).abort });
  };
  const client: McpHttp = {
    url,
    sessionId: undefined,
    post: (body, headers = {}) => request("POST", body, headers),
    postStream: async (body, headers = {}) => stream(await request("POST", body, headers)),
    get: async (headers = {}) => stream(await request("GET", undefined, headers)),
    stream,
    async initialize(protocolVersion = "2025-06-18") {
      const response = await request("POST", initializeRequest(1, protocolVersion), {});
      if (response.status !== 200) throw new Error(`initialize answered ${response.status}: ${await response.text()}`);
      client.sessionId = response.headers.get("mcp-session-id") ?? undefined;
      // An event stream, or one JSON body with --json-response.
      const result = response.headers.get("content-type") === "application/json" ? await response.json() : JSON.parse((await stream(response).rest())[0]!.data);
      const accepted = await request("POST", { jsonrpc: "2.0", method: "notifications/initialized" }, { "MCP-Protocol-Version": protocolVersion });
      if (accepted.status !== 202) throw new Error(`notifications/initialized answered ${accepted.status}`);
      return result;
    },
    close: () => aborts.forEach((abort) => abort.abort()),
    [Symbol.asyncDispose]: async () => client.close(),
  };
  return client;
}

export function initializeRequest(id: number | string, protocolVersion = "2025-06-18"): object {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion, capabilities: {}, clientInfo: { name: "mcp-proxy-test", version: "1.0.0" } },
  };
}
