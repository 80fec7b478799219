/**
 * start(options) → a running proxy: the internal app first, then the public front.
 * close() undoes it in the opposite order: stop accepting, close every connection, stop
 * the app, remove anything left on disk. It is idempotent and awaits everything.
 */
import { startApp } from "./app/server.ts";
import { createAppSocketPath } from "./app/socket-path.ts";
import type { FrontContext } from "./front/context.ts";
import { listenFront } from "./front/listener.ts";
import { Registry } from "./front/registry.ts";
import { resolveOptions, type ProxyOptions, type ResolvedOptions } from "./options.ts";

export interface ProxyHandle extends AsyncDisposable {
  /** `http://host:port`, the value for HTTP_PROXY / HTTPS_PROXY. */
  url: string;
  host: string;
  /** The port actually bound (useful with port 0). */
  port: number;
  options: ResolvedOptions;
  /** Open client and upstream connections. */
  openConnections(): number;
  close(): Promise<void>;
}

export async function start(input: ProxyOptions = {}): Promise<ProxyHandle> {
  const options = resolveOptions(input);
  const socketPath = createAppSocketPath();
  const app = startApp(options, socketPath.path, options.logger);
  const registry = new Registry();
  const ctx: FrontContext = { options, log: options.logger, registry, appSocket: socketPath.path };
  let listener: ReturnType<typeof listenFront>;
  try {
    listener = listenFront(ctx);
  } catch (error) {
    await app.stop();
    socketPath.remove();
    throw error;
  }
  const host = options.host;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      listener.stop(true);
      registry.closeAll();
      await app.stop();
      socketPath.remove();
    })());

  return {
    url: `http://${urlHost}:${listener.port}`,
    host,
    port: listener.port,
    options,
    openConnections: () => registry.size,
    close,
    [Symbol.asyncDispose]: close,
  };
}
