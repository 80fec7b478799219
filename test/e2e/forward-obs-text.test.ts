/**
 * Field values may carry obs-text (bytes 0x80–0xFF, RFC 9110 §5.5). A proxy passes them on as
 * the same bytes; decoding them as windows-1252 or re-encoding them as UTF-8 would change them.
 */
import { describe, expect, test } from "bun:test";
import { startHttpOrigin } from "../helpers/http-origin.ts";
import { startTestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { waitFor } from "../helpers/wait.ts";

const obsText = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x9f, 0xff]); // "café" in latin1, then 0x80 0x9f 0xff

describe("obs-text in field values", () => {
  test("reaches the origin and the client byte for byte", async () => {
    await using origin = startHttpOrigin({
      respond: () => Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nX-Back: "), obsText, Buffer.from("\r\nContent-Length: 0\r\n\r\n")]),
    });
    await using proxy = await startTestProxy();
    const client = await rawConnect(proxy.port);
    client.write(
      Buffer.concat([
        Buffer.from(`GET http://${origin.authority}/ HTTP/1.1\r\nHost: ${origin.authority}\r\nX-Name: `),
        obsText,
        Buffer.from("\r\n\r\n"),
      ]),
    );
    await waitFor(() => client.text().includes("\r\n\r\n"), 5000, "the response head");
    client.close();
    expect(origin.requests[0]!.raw.includes(Buffer.concat([Buffer.from("X-Name: "), obsText, Buffer.from("\r\n")]))).toBe(true);
    expect(client.received().includes(Buffer.concat([Buffer.from("X-Back: "), obsText, Buffer.from("\r\n")]))).toBe(true);
  });
});
