/**
 * A raw HTTP/1.1 origin on 127.0.0.1:0 for forwarding tests. It records the exact bytes of
 * every request the proxy sends it (head and body, as on the wire) and answers with bytes the
 * test scripts; by default it echoes the request bytes back as a Content-Length body.
 *
 * Its parser is deliberately simple and separate from src/forward: Content-Length or chunked
 * request bodies, nothing else. A test that needs the connection afterwards (101 → echo, a
 * half-sent response, silence) gets it through `respond`'s `conn`.
 */
import { createHash, type Hash } from "node:crypto";
import type { Socket, TCPSocketListener } from "bun";

export interface OriginRequest {
  /** The head through its empty line, exactly as received. */
  head: string;
  /** The request line, e.g. `GET /a HTTP/1.1`. */
  line: string;
  /** Fields in order, names as received. */
  headers: [string, string][];
  /** The body as it came on the wire (chunk framing included); empty in `hash` mode. */
  rawBody: Buffer;
  /** Head and body as received. */
  raw: Buffer;
  /** sha256 hex of the decoded body (always computed). */
  bodySha256: string;
  bodyLength: number;
}

export interface OriginConn {
  index: number;
  socket: Socket<undefined>;
  requests: OriginRequest[];
  /** Every byte received on this connection. */
  received(): Buffer;
  ended: boolean;
  closed: boolean;
  /** After a 101: every further byte is echoed raw. */
  echoRaw: boolean;
  /** Queued write (Bun's write() takes only what the kernel takes). */
  write(bytes: string | Uint8Array): void;
  /** Writes all of `payload` after anything queued, continuing on drain; resolves once the kernel has it all. */
  stream(payload: Uint8Array): Promise<void>;
  /** FIN once the queue is written. */
  end(): void;
  destroy(): void;
}

/** What to send back: bytes, or undefined to say nothing (the test drives `conn`). */
export type Responder = (req: OriginRequest, conn: OriginConn) => string | Uint8Array | undefined;

export interface HttpOriginOptions {
  respond?: Responder;
  /** Called when a head is complete, before its body (to send `100 Continue`). */
  onHead?(req: Pick<OriginRequest, "head" | "line" | "headers">, conn: OriginConn): void;
  /** `hash`: keep only sha256 and length of bodies (for 100 MiB uploads). */
  bodyMode?: "store" | "hash";
  /** Pause reading for this long after each chunk: a slow origin, for backpressure tests. */
  slowMs?: number;
}

export interface HttpOrigin extends AsyncDisposable {
  port: number;
  /** `127.0.0.1:<port>` */
  authority: string;
  conns: OriginConn[];
  /** Every complete request, across connections, in arrival order. */
  requests: OriginRequest[];
  stop(): void;
}

/** The default responder: the request's exact bytes back as the body. */
export const echoRequest: Responder = (req) => okResponse(req.raw);

export function okResponse(body: string | Uint8Array, extra = ""): Uint8Array {
  const bytes = typeof body === "string" ? Buffer.from(body, "latin1") : Buffer.from(body);
  const head = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes.length}\r\n${extra}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), bytes]);
}

interface ConnState {
  conn: OriginConn;
  buffer: Buffer;
  /** The request being read: head parsed, body pending. */
  current?: PartialRequest;
  outbox: Buffer[];
  streams: { payload: Uint8Array; offset: number; done: () => void }[];
  finAfter: boolean;
  chunks: Buffer[];
}

interface PartialRequest {
  head: string;
  line: string;
  headers: [string, string][];
  framing: { kind: "none" } | { kind: "length"; left: number } | { kind: "chunked" };
  rawParts: Buffer[];
  hash: Hash;
  bodyLength: number;
  /** chunked decoding state */
  chunkLeft: number;
  chunkPhase: "size" | "data" | "data-crlf" | "trailer";
}

export function startHttpOrigin(options: HttpOriginOptions = {}): HttpOrigin {
  const respond = options.respond ?? echoRequest;
  const conns: OriginConn[] = [];
  const requests: OriginRequest[] = [];
  const states = new WeakMap<Socket<undefined>, ConnState>();

  const flush = (socket: Socket<undefined>) => {
    const s = states.get(socket);
    if (!s) return;
    while (s.outbox.length > 0) {
      const head = s.outbox[0]!;
      const n = socket.write(head);
      if (n < 0) return;
      if (n < head.length) {
        s.outbox[0] = head.subarray(n);
        return;
      }
      s.outbox.shift();
    }
    while (s.streams.length > 0) {
      const st = s.streams[0]!;
      while (st.offset < st.payload.length) {
        const n = socket.write(st.payload.subarray(st.offset, Math.min(st.payload.length, st.offset + (1 << 20))));
        if (n <= 0) return;
        st.offset += n;
      }
      s.streams.shift();
      st.done();
    }
    if (s.finAfter) socket.shutdown();
  };

  const complete = (s: ConnState) => {
    const p = s.current!;
    s.current = undefined;
    const rawBody = Buffer.concat(p.rawParts);
    const req: OriginRequest = {
      head: p.head,
      line: p.line,
      headers: p.headers,
      rawBody,
      raw: Buffer.concat([Buffer.from(p.head, "latin1"), rawBody]),
      bodySha256: p.hash.digest("hex"),
      bodyLength: p.bodyLength,
    };
    s.conn.requests.push(req);
    requests.push(req);
    const reply = respond(req, s.conn);
    if (reply !== undefined) s.conn.write(reply);
  };

  const takeBody = (s: ConnState, p: PartialRequest, bytes: Buffer) => {
    if (options.bodyMode !== "hash") p.rawParts.push(bytes);
  };

  /** Takes up to `most` payload bytes off the front of s.buffer; returns how many it took. */
  const takePayload = (s: ConnState, p: PartialRequest, most: number): number => {
    const take = Math.min(most, s.buffer.length);
    const part = s.buffer.subarray(0, take);
    takeBody(s, p, part);
    p.hash.update(part);
    p.bodyLength += take;
    s.buffer = s.buffer.subarray(take);
    return take;
  };

  /** Consumes body bytes from s.buffer; true when the body is complete. */
  const readBody = (s: ConnState): boolean => {
    const p = s.current!;
    const f = p.framing;
    if (f.kind === "none") return true;
    if (f.kind === "length") {
      f.left -= takePayload(s, p, f.left);
      return f.left === 0;
    }
    for (;;) {
      if (p.chunkPhase === "size" || p.chunkPhase === "trailer") {
        const lf = s.buffer.indexOf(0x0a);
        if (lf === -1) return false;
        const lineBytes = s.buffer.subarray(0, lf + 1);
        takeBody(s, p, lineBytes);
        s.buffer = s.buffer.subarray(lf + 1);
        const text = lineBytes.toString("latin1").replace(/\r?\n$/, "");
        if (p.chunkPhase === "trailer") {
          if (text === "") return true;
          continue;
        }
        const size = parseInt(text.split(";")[0]!.trim(), 16);
        if (Number.isNaN(size)) throw new Error(`origin: bad chunk size line ${JSON.stringify(text)}`);
        if (size === 0) p.chunkPhase = "trailer";
        else {
          p.chunkLeft = size;
          p.chunkPhase = "data";
        }
      } else if (p.chunkPhase === "data") {
        if (s.buffer.length === 0) return false;
        p.chunkLeft -= takePayload(s, p, p.chunkLeft);
        if (p.chunkLeft === 0) p.chunkPhase = "data-crlf";
      } else {
        if (s.buffer.length < 2) return false;
        takeBody(s, p, s.buffer.subarray(0, 2));
        s.buffer = s.buffer.subarray(2);
        p.chunkPhase = "size";
      }
    }
  };

  const onData = (s: ConnState) => {
    for (;;) {
      if (s.conn.echoRaw) {
        if (s.buffer.length > 0) s.conn.write(s.buffer);
        s.buffer = Buffer.alloc(0);
        return;
      }
      if (!s.current) {
        const end = s.buffer.indexOf("\r\n\r\n");
        if (end === -1) return;
        const head = s.buffer.subarray(0, end + 4).toString("latin1");
        s.buffer = s.buffer.subarray(end + 4);
        const [line = "", ...fieldLines] = head.slice(0, -4).split("\r\n");
        const headers = fieldLines.map((l): [string, string] => {
          const colon = l.indexOf(":");
          return [l.slice(0, colon), l.slice(colon + 1).trim()];
        });
        const get = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
        const te = get("transfer-encoding");
        const cl = get("content-length");
        const framing: PartialRequest["framing"] = te?.toLowerCase().includes("chunked")
          ? { kind: "chunked" }
          : cl !== undefined
            ? { kind: "length", left: Number(cl) }
            : { kind: "none" };
        s.current = { head, line, headers, framing, rawParts: [], hash: createHash("sha256"), bodyLength: 0, chunkLeft: 0, chunkPhase: "size" };
        options.onHead?.({ head, line, headers }, s.conn);
      }
      if (!readBody(s)) return;
      complete(s);
      if (s.buffer.length === 0) return;
    }
  };

  const listener: TCPSocketListener<undefined> = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      open(socket) {
        const chunks: Buffer[] = [];
        const state: ConnState = { buffer: Buffer.alloc(0), outbox: [], streams: [], finAfter: false, chunks, conn: undefined! };
        const conn: OriginConn = {
          index: conns.length,
          socket,
          requests: [],
          received: () => Buffer.concat(chunks),
          ended: false,
          closed: false,
          echoRaw: false,
          write(bytes) {
            state.outbox.push(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : Buffer.from(bytes));
            flush(socket);
          },
          stream(payload) {
            return new Promise<void>((done) => {
              state.streams.push({ payload, offset: 0, done });
              flush(socket);
            });
          },
          end() {
            state.finAfter = true;
            flush(socket);
          },
          destroy: () => socket.terminate(),
        };
        state.conn = conn;
        states.set(socket, state);
        conns.push(conn);
      },
      data(socket, data) {
        const s = states.get(socket)!;
        if (options.bodyMode !== "hash") s.chunks.push(Buffer.from(data));
        s.buffer = s.buffer.length === 0 ? Buffer.from(data) : Buffer.concat([s.buffer, data]);
        onData(s);
        if (options.slowMs) {
          socket.pause();
          setTimeout(() => socket.resume(), options.slowMs);
        }
      },
      drain: flush,
      end(socket) {
        const s = states.get(socket);
        if (s) s.conn.ended = true;
      },
      close(socket) {
        const s = states.get(socket);
        if (s) {
          s.conn.ended = true;
          s.conn.closed = true;
        }
      },
    },
  });
  const stop = () => listener.stop(true);
  return {
    port: listener.port,
    authority: `127.0.0.1:${listener.port}`,
    conns,
    requests,
    stop,
    [Symbol.asyncDispose]: async () => stop(),
  };
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export function closedPort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** Splits a response into status line, fields and body (the first message only). */
export function splitResponse(text: string): { status: string; headers: string[]; body: string } {
  const end = text.indexOf("\r\n\r\n");
  const head = end === -1 ? text : text.slice(0, end);
  const [status = "", ...headers] = head.split("\r\n");
  return { status, headers, body: end === -1 ? "" : text.slice(end + 4) };
}

export interface ParsedResponse {
  status: number;
  statusLine: string;
  /** Fields in order, names as received. */
  headers: [string, string][];
  /** The body as on the wire (chunk framing included). */
  rawBody: string;
  /** The body with chunk framing removed. */
  body: string;
}

/**
 * Complete responses at the start of `text`, in order. `isHead` says which responses answer a
 * HEAD (no body); a response without framing is complete only once `ended`.
 */
export function parseResponses(text: string, ended = false, isHead: (index: number) => boolean = () => false): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) break;
    const [statusLine = "", ...lines] = text.slice(at, end).split("\r\n");
    const headers = lines.map((l): [string, string] => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]);
    const get = (n: string) => headers.find(([k]) => k.toLowerCase() === n)?.[1];
    const status = Number(statusLine.split(" ")[1]);
    let bodyStart = end + 4;
    let rawBody = "";
    let body = "";
    if (isHead(out.length) || status < 200 || status === 204 || status === 304) {
      // no body; 1xx are returned as their own entries
    } else if (get("transfer-encoding")?.toLowerCase().endsWith("chunked")) {
      let p = bodyStart;
      let complete = false;
      for (;;) {
        const lineEnd = text.indexOf("\r\n", p);
        if (lineEnd === -1) break;
        const size = parseInt(text.slice(p, lineEnd), 16);
        if (size === 0) {
          // Trailer lines, then an empty line: the body ends at the first CRLF CRLF from here.
          const trailerEnd = text.indexOf("\r\n\r\n", lineEnd);
          if (trailerEnd === -1) break;
          p = trailerEnd + 4;
          complete = true;
          break;
        }
        if (text.length < lineEnd + 2 + size + 2) break;
        body += text.slice(lineEnd + 2, lineEnd + 2 + size);
        p = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      rawBody = text.slice(bodyStart, p);
      bodyStart = p;
    } else if (get("content-length") !== undefined) {
      const n = Number(get("content-length"));
      if (text.length < bodyStart + n) break;
      rawBody = body = text.slice(bodyStart, bodyStart + n);
      bodyStart += n;
    } else {
      if (!ended) break;
      rawBody = body = text.slice(bodyStart);
      bodyStart = text.length;
    }
    out.push({ status, statusLine, headers, rawBody, body });
    at = bodyStart;
  }
  return out;
}

/** The values of field `name` (case-insensitive), in order. */
export function fieldValues(res: { headers: [string, string][] }, name: string): string[] {
  return res.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}
