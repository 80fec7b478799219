/**
 * start(options) → a running proxy: the internal app first, then the public front.
 * close() undoes it in the opposite order: stop accepting, close every connection, stop
 * the app, remove anything left on disk. It is idempotent and awaits everything.
 */
import { startApp } from "./app/server.ts";
import { createAppSocketPath } from "./app/socket-path.ts";
import { BusyPoll } from "./net/busy-poll.ts";
import { ConnectionCap } from "./front/connection-cap.ts";
import type { FrontContext } from "./front/context.ts";
import { FdWatch } from "./front/fd-watch.ts";
import { listenFront } from "./front/listener.ts";
import { fdLimit } from "./fd-limit.ts";
import { Registry } from "./net/registry.ts";
import { Deadlines } from "./net/deadlines.ts";
import { UpstreamPool } from "./forward/upstream-pool.ts";
import { resolveOptions, type ProxyOptions, type ResolvedOptions } from "./options.ts";
import { Access } from "./security/access.ts";
import { Traffic } from "./status/traffic.ts";
import { VERSION } from "./version.ts";

export interface ProxyHandle extends AsyncDisposable {
  /** `http://host:port`, the value for HTTP_PROXY / HTTPS_PROXY. */
  url: string;
  host: string;
  /** The port actually bound (useful with port 0). */
  port: number;
  options: ResolvedOptions;
  /** Open client and upstream connections. */
  openConnections(): number;
  /** The names bridged from --config now (empty without it). */
  servers(): string[];
  close(): Promise<void>;
}

export async function start(input: ProxyOptions = {}): Promise<ProxyHandle> {
  const options = resolveOptions(input);
  const access = new Access(
    {
      auth: options.auth,
      token: options.token,
      allowClients: options.allowClients,
      destRules: { allow: options.allowDests, deny: options.denyDests },
      resolver: options.resolver,
    },
    options.logger,
  );
  // One socket per app listener the auth mode needs: "open" (no credentials), "bearer" (token).
  const openPath = options.auth === "always" ? undefined : createAppSocketPath();
  const bearerPath = options.auth === "off" ? undefined : createAppSocketPath();
  const removeSockets = () => {
    openPath?.remove();
    bearerPath?.remove();
  };
  // The app's Host check needs the front's bound port, known only once it listens (port 0).
  let publicPort = options.port;
  let url = "";
  const registry = new Registry();
  const traffic = new Traffic(options.bookkeeping);
  const status = { version: VERSION, startedAt: Date.now(), url: () => url, traffic, openConnections: () => registry.size };
  let app: ReturnType<typeof startApp>;
  try {
    app = startApp(options, { open: openPath?.path, bearer: bearerPath?.path }, options.logger, () => publicPort, access, status);
  } catch (error) {
    removeSockets();
    throw error;
  }
  const pool = new UpstreamPool({ maxIdlePerHost: options.reuseUpstream ? 64 : 0, idleTimeoutMs: 30_000 });
  const ctx: FrontContext = {
    options,
    log: options.logger,
    registry,
    deadlines: new Deadlines(),
    // A client that needs no credentials under --auth always does not exist, and with
    // --auth off every client is one: each case has its listener.
    appSocket: (trusted) => (trusted ? openPath : bearerPath)!.path,
    access,
    publicPort: () => publicPort,
    pool,
    poll: new BusyPoll(options.busyPollMs),
    traffic,
    cap: new ConnectionCap(options.maxConnections, options.logger),
  };
  let listener: ReturnType<typeof listenFront>;
  try {
    listener = listenFront(ctx);
  } catch (error) {
    await app.stop();
    removeSockets();
    throw error;
  }
  publicPort = listener.port;
  // At the fd limit Bun's accept loop spins: stop accepting until fds are free again.
  const fdWatch = new FdWatch({
    limit: fdLimit(),
    onExhausted(open) {
      listener.pause();
      ctx.cap.exhausted(`no file descriptor left to accept with (${open} open)`);
    },
    onRelief(open) {
      const resumed = listener.resume();
      if (resumed) options.logger.info(`accepting connections again (${open} file descriptors open)`);
      return resumed;
    },
  });
  fdWatch.start();
  const host = options.host;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  url = `http://${urlHost}:${listener.port}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      fdWatch.stop();
      listener.stop(true);
      registry.closeAll();
      ctx.deadlines.clear();
      pool.destroy();
      ctx.poll.stop();
      await app.stop(); // stops every bridge child too (sessions.closeAll)
      removeSockets();
    })());

  return {
    url,
    host,
    port: listener.port,
    options,
    openConnections: () => registry.size,
    servers: () => app.servers?.names() ?? [],
    close,
    [Symbol.asyncDispose]: close,
  };
}
