/** Public surface for tests, scripts and embedders. */
export { start, type ProxyHandle } from "./start.ts";
export { resolveOptions, type ProxyOptions, type ResolvedOptions } from "./options.ts";
export { createLogger, type Logger, type LogLevelName } from "./log.ts";
export { ListenError, OptionsError } from "./errors.ts";
export type { AuthMode } from "./security/access.ts";
export type { Resolver } from "./security/destination.ts";
