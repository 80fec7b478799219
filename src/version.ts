/** The version of this build, from package.json (embedded by `bun build --compile`). */
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
