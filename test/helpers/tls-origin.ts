/**
 * An HTTPS origin on 127.0.0.1 with a self-signed certificate made for this run by openssl,
 * so real clients verify a real chain (their CA file is the certificate itself).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TlsOrigin extends AsyncDisposable {
  url: string;
  port: number;
  caFile: string;
}

export async function startTlsOrigin(body = "hello over tls"): Promise<TlsOrigin> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-proxy-tls-"));
  const keyFile = join(dir, "key.pem");
  const caFile = join(dir, "cert.pem");
  const openssl = Bun.spawn(
    ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", caFile, "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    { stdout: "ignore", stderr: "pipe" },
  );
  if ((await openssl.exited) !== 0) throw new Error(`openssl failed: ${await new Response(openssl.stderr).text()}`);
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: Bun.file(caFile), key: Bun.file(keyFile) },
    fetch: () => new Response(body),
  });
  return {
    url: `https://127.0.0.1:${server.port}/`,
    port: server.port!,
    caFile,
    [Symbol.asyncDispose]: async () => {
      await server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
