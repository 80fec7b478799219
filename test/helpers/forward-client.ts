/**
 * Client side of the plain-HTTP forwarding tests: literal request bytes to the proxy, and the
 * responses read back with a deadline (by their framing, or up to the proxy's close).
 */
import { rawConnect, type RawClient } from "./raw-client.ts";
import { parseResponses, type ParsedResponse } from "./http-origin.ts";
import { waitFor, within } from "./wait.ts";

/** Waits until `client` holds `count` complete responses (1xx count as their own). */
export async function readResponses(
  client: RawClient,
  count: number,
  options: { timeoutMs?: number; isHead?: (index: number) => boolean } = {},
): Promise<ParsedResponse[]> {
  let ended = false;
  client.ended.then(() => (ended = true));
  return waitFor(
    () => {
      const parsed = parseResponses(client.text(), ended, options.isHead);
      if (parsed.length >= count) return parsed;
      if (ended && parsed.length < count) {
        // Give the parser the closed state once more (a close-delimited body ends here).
        const final = parseResponses(client.text(), true, options.isHead);
        if (final.length >= count) return final;
        throw new Error(`connection ended after ${final.length} of ${count} responses: ${JSON.stringify(client.text().slice(0, 400))}`);
      }
      return undefined;
    },
    options.timeoutMs ?? 5000,
    `${count} response(s); got ${JSON.stringify(client.text().slice(0, 200))}`,
  );
}

/** Opens a connection, sends `bytes`, returns the client and its first `count` responses. */
export async function send(
  proxyPort: number,
  bytes: string | Uint8Array,
  count = 1,
  isHead?: (index: number) => boolean,
): Promise<{ client: RawClient; responses: ParsedResponse[] }> {
  const client = await rawConnect(proxyPort);
  client.write(bytes);
  try {
    return { client, responses: await readResponses(client, count, { isHead }) };
  } catch (error) {
    client.close();
    throw error;
  }
}

/** Sends `bytes` and returns everything received once the proxy has ended the connection. */
export async function sendUntilClose(proxyPort: number, bytes: string | Uint8Array, timeoutMs = 5000): Promise<string> {
  const client = await rawConnect(proxyPort);
  try {
    client.write(bytes);
    await within(client.ended, timeoutMs, "proxy ends the connection");
    return client.text();
  } finally {
    client.close();
  }
}
