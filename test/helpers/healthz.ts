/** What GET /healthz answers: the status, and the name and version doctor identifies us by. */
import { VERSION } from "../../src/version.ts";

export const healthz = { status: "ok", name: "mcp-proxy", version: VERSION };
export const healthzBody = JSON.stringify(healthz);
