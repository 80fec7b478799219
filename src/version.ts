/** This program's name and version, from package.json (embedded by `bun build --compile`): /healthz, the banner, the status page, setup and doctor say the same. */
import pkg from "../package.json" with { type: "json" };

export const NAME = "mcp-proxy";
export const VERSION: string = pkg.version;
