/**
 * Writes a short text/plain HTTP/1.1 response on a raw socket, then closes it the careful way:
 * FIN after the bytes, keep reading (and discarding) what the client still sends, close when
 * it hangs up or after a short linger. Closing with unread input would send RST, and an RST
 * can destroy the response before the client reads it (RFC 9112 §9.6).
 */
import { STATUS_CODES } from "node:http";
import { concatBytes, latin1Bytes } from "../bytes.ts";
import type { Endpoint } from "./endpoint.ts";

const LINGER_MS = 2_000;

/** The bytes of a short `Connection: close` text/plain response, with `extra` header lines. */
export function plainResponse(status: number, message: string, extra: Record<string, string> = {}): Uint8Array {
  const body = new TextEncoder().encode(`${message}\n`);
  let fields = "";
  for (const [name, value] of Object.entries(extra)) fields += `${name}: ${value}\r\n`;
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
    fields +
    "Content-Type: text/plain; charset=utf-8\r\n" +
    `Content-Length: ${body.length}\r\n` +
    "Connection: close\r\n\r\n";
  return concatBytes(latin1Bytes(head), body);
}

/** 407 for a proxied request without the token (RFC 9110 §15.5.8): any user name, the token as password. */
export const proxyAuthRequired = plainResponse(
  407,
  "proxy authentication required: use the token as the password in the proxy URL, http://user:TOKEN@host:port",
  { "Proxy-Authenticate": 'Basic realm="mcp-proxy"' },
);

/** `plainResponse` on the socket's own Endpoint (behind anything still queued on it), then lingerClose. */
export function respondAndClose(endpoint: Endpoint, status: number, message: string, onClosed?: () => void): void {
  lingerClose(endpoint, plainResponse(status, message), onClosed);
}

/** Writes `bytes`, sends FIN, reads and drops what still comes, closes on the client's close or after the linger. */
export function lingerClose(endpoint: Endpoint, bytes: Uint8Array, onClosed?: () => void): void {
  const linger = setTimeout(() => endpoint.destroy(), LINGER_MS);
  endpoint.onFin = () => endpoint.end();
  endpoint.onGone = () => {
    clearTimeout(linger);
    onClosed?.();
  };
  endpoint.onChunk = () => {};
  endpoint.onWritable = () => {};
  endpoint.resume();
  endpoint.write(bytes);
  endpoint.shutdownWrite();
}

