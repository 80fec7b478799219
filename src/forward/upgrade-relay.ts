/**
 * After a `101 Switching Protocols` (a WebSocket upgrade through the proxy), the client and
 * upstream connections stop being HTTP: they become one raw two-way pipe, like a tunnel.
 * Bytes either side sent behind the handshake belong to the new protocol and go first.
 */
import type { Endpoint } from "../net/endpoint.ts";
import { pipe } from "../net/pipe.ts";

export function relayUpgrade(client: Endpoint, upstream: Endpoint, head: string, fromUpstream: Uint8Array, fromClient: Uint8Array): void {
  client.write(head);
  if (fromUpstream.length > 0) client.write(fromUpstream);
  if (fromClient.length > 0) upstream.write(fromClient);
  pipe(client, upstream, () => {});
  client.resume();
  upstream.resume();
}
