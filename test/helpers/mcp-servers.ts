/** The argv of each stdio MCP server the bridge tests run, as absolute paths. */
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");
const fixture = (name: string) => join(root, "test", "fixtures", name);

/** The reference server from @modelcontextprotocol/server-everything (a node script). */
export const everythingServer = [join(root, "node_modules", ".bin", "mcp-server-everything"), "stdio"];
/** test/fixtures/echo-server.ts under Bun; extra args such as `--stay` go after it. */
export const echoServer = (...args: string[]) => [process.execPath, fixture("echo-server.ts"), ...args];
/** test/fixtures/stubborn-server.ts: ignores SIGTERM. */
export const stubbornServer = [process.execPath, fixture("stubborn-server.ts")];
export const mcpRemoteBin = join(root, "node_modules", ".bin", "mcp-remote");
