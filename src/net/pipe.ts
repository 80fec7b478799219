/**
 * Links two endpoints into one byte stream each way, as a TCP relay should:
 *
 *   a.data → b.write ──(b backlogged)──▶ a.pause … b drained ──▶ a.resume
 *   a FIN  → b FIN after b's queue (half-close: b may still answer)
 *   a gone → b closed after its queue (clean) or at once (error)
 *
 * Nothing is dropped, duplicated or reordered, and memory per direction stays at about one
 * read chunk however slow the reader is.
 */
import type { Endpoint } from "./endpoint.ts";

export interface PipeResult {
  /** The first error either side closed with, if any. */
  error?: Error;
}

export function pipe(a: Endpoint, b: Endpoint, onDone: (result: PipeResult) => void): void {
  let open = 2;
  let firstError: Error | undefined;
  const gone = (peer: Endpoint) => (error?: Error) => {
    firstError ??= error;
    if (error) peer.destroy();
    else peer.end();
    if (--open === 0) onDone({ error: firstError });
  };
  relay(a, b);
  relay(b, a);
  a.onGone = gone(b);
  b.onGone = gone(a);
}

function relay(from: Endpoint, to: Endpoint): void {
  from.onChunk = (chunk) => {
    if (!to.write(chunk)) from.pause();
  };
  to.onWritable = () => from.resume();
  from.onFin = () => to.shutdownWrite();
}
