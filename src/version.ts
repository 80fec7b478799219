/** This program's name and version, from package.json: /healthz, the banner, setup and doctor say the same. */
import pkg from "../package.json" with { type: "json" };

export const NAME = "mcp-proxy";
export const VERSION: string = pkg.version;
