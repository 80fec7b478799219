/**
 * Bounded TCP probes for doctor: a bare connect, and a connect that sends one request and reads
 * the answer. Raw sockets, not fetch: fetch would honour the user's own HTTP(S)_PROXY variables
 * and test the wrong path. Every probe settles within `timeoutMs`, never throws.
 *
 *   Bun.connect ──open──▶ write request ──data──▶ until(answer) | close | timeout ─▶ ProbeResult
 */
import { errnoCode } from "../errors.ts";

export interface ProbeResult {
  ok: boolean;
  /** Milliseconds to connect (ok) or to fail. */
  ms: number;
  /** `ECONNREFUSED`, `EHOSTUNREACH`, `timed out after 5 s`… when not ok. */
  error?: string;
  /** What the peer sent (latin1), for an exchange. */
  answer: string;
}

export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * Connects to host:port; sends `request` if given and reads until `until(answer)` is true or
 * the peer closes. Without a request the socket is closed as soon as it opens.
 */
export function probe(host: string, port: number, timeoutMs: number, request?: string, until: (answer: string) => boolean = () => false): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.max(0, Math.round(performance.now() - started));
  return new Promise<ProbeResult>((resolve) => {
    let answer = "";
    let connectedMs = 0;
    let connected = false;
    let settled = false;
    let socket: { end(): void; terminate(): void } | undefined;
    const finish = (result: Omit<ProbeResult, "answer">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.terminate();
      resolve({ ...result, answer });
    };
    const timer = setTimeout(() => {
      const error = connected && request ? `no answer within ${seconds(timeoutMs)}` : `timed out after ${seconds(timeoutMs)}`;
      finish({ ok: false, ms: elapsed(), error });
    }, timeoutMs);
    Bun.connect({
      hostname: host,
      port,
      socket: {
        open(s) {
          socket = s;
          connected = true;
          connectedMs = elapsed();
          if (request === undefined) finish({ ok: true, ms: connectedMs });
          else s.write(request);
        },
        data(_s, chunk) {
          answer += Buffer.from(chunk).toString("latin1");
          if (until(answer)) finish({ ok: true, ms: connectedMs });
        },
        close() {
          finish({ ok: answer.length > 0, ms: connectedMs, error: answer.length > 0 ? undefined : "closed without an answer" });
        },
        error(_s, error) {
          finish({ ok: false, ms: elapsed(), error: errnoCode(error) });
        },
        connectError(_s, error) {
          finish({ ok: false, ms: elapsed(), error: errnoCode(error) });
        },
      },
    }).then(
      (s) => {
        socket = s;
        if (settled) s.terminate();
      },
      (error: unknown) => finish({ ok: false, ms: elapsed(), error: errnoCode(error) }),
    );
  });
}

/** True once `answer` holds a whole HTTP response head and the Content-Length body after it, or is not HTTP at all. */
export function responseComplete(answer: string): boolean {
  if (answer.length >= 5 && !answer.startsWith("HTTP/")) return true;
  const end = answer.indexOf("\r\n\r\n");
  if (end === -1) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(answer.slice(0, end))?.[1];
  return length === undefined || answer.length - (end + 4) >= Number(length);
}

export interface HttpAnswer {
  status: number;
  statusLine: string;
  body: string;
}

/** The status and body of a raw answer, or undefined when it is not HTTP. */
export function parseAnswer(answer: string): HttpAnswer | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*/.exec(answer);
  if (!match) return undefined;
  const end = answer.indexOf("\r\n\r\n");
  return { status: Number(match[1]), statusLine: match[0], body: end === -1 ? "" : Buffer.from(answer.slice(end + 4), "latin1").toString("utf8") };
}
