import { describe, expect, test } from "bun:test";
import { parseArgs } from "citty";
import { args, splitSse, toOptions, type CliArgs } from "../../src/cli-args.ts";
import { OptionsError } from "../../src/errors.ts";
import { parseBytes, parseCount } from "../../src/cli-values.ts";
import { resolveOptions } from "../../src/options.ts";

const cli = (argv: string[]) => {
  const [own, sse] = splitSse(argv);
  return toOptions(parseArgs(own, args) as unknown as CliArgs, sse, own);
};

describe("bridge options", () => {
  test("default to a 15 s keep-alive, 5 s kill timeout, 4 MiB bodies, 64 sessions, no extra hosts or origins", () => {
    const options = resolveOptions({});
    expect(options).toMatchObject({
      keepaliveMs: 15_000,
      killTimeoutMs: 5_000,
      maxBodyBytes: 4 * 1024 * 1024,
      maxSessions: 64,
      allowHosts: [],
      allowOrigins: [],
      jsonResponse: false,
      sessionIdleMs: 1_800_000,
    });
  });

  test("read --json-response and --session-idle", () => {
    expect(cli(["--json-response", "--session-idle", "90"])).toMatchObject({ jsonResponse: true, sessionIdleMs: 90_000 });
    expect(cli([])).toMatchObject({ jsonResponse: false, sessionIdleMs: 1_800_000 });
    expect(() => cli(["--session-idle", "0"])).toThrow(OptionsError);
  });

  test("come from the command line, every repeat of --allow-host and --allow-origin kept", () => {
    const options = cli([
      "--keepalive", "1.5", "--kill-timeout=2", "--max-body", "512kb", "--max-sessions", "3",
      "--allow-host", "a.lan", "--allow-host=b.lan:9000", "--allow-origin", "https://x.example,https://y.example",
      "--sse", "server", "--allow-host", "child-flag",
    ]);
    expect(options).toMatchObject({
      keepaliveMs: 1500,
      killTimeoutMs: 2000,
      maxBodyBytes: 512 * 1024,
      maxSessions: 3,
      allowHosts: ["a.lan", "b.lan:9000"],
      allowOrigins: ["https://x.example", "https://y.example"],
      sse: ["server", "--allow-host", "child-flag"],
    });
  });

  test.each([
    ["4194304", 4194304],
    ["4mb", 4 * 1024 * 1024],
    ["4MiB", 4 * 1024 * 1024],
    ["64k", 65536],
    ["1.5m", 1.5 * 1024 * 1024],
  ])("reads the size %s as %d bytes", (text, bytes) => {
    expect(parseBytes("--max-body", text)).toBe(bytes);
  });

  test.each([["0"], ["-1"], ["4gb"], ["mb"], [""], ["1e3"]])("refuses the size %j", (text) => {
    expect(() => parseBytes("--max-body", text)).toThrow(OptionsError);
  });

  test.each([["0"], ["-2"], ["1.5"], ["many"]])("refuses the session count %j", (text) => {
    expect(() => parseCount("--max-sessions", text)).toThrow(OptionsError);
  });

  test("read --config and --init-timeout; a --config after --sse belongs to the child", () => {
    expect(cli(["--config", "servers.json", "--init-timeout", "2.5"])).toMatchObject({ config: "servers.json", initTimeoutMs: 2500 });
    expect(resolveOptions({})).toMatchObject({ config: undefined, initTimeoutMs: 60_000 });
    expect(cli(["--sse", "server", "--config", "x.json"])).toMatchObject({ config: undefined, sse: ["server", "--config", "x.json"] });
    expect(() => cli(["--init-timeout", "0"])).toThrow(OptionsError);
    expect(() => resolveOptions({ config: " " })).toThrow(OptionsError);
  });

  test("refuses non-positive limits given to start() directly", () => {
    expect(() => resolveOptions({ maxSessions: 0 })).toThrow(OptionsError);
    expect(() => resolveOptions({ killTimeoutMs: -1 })).toThrow(OptionsError);
    expect(() => resolveOptions({ maxBodyBytes: 1.5 })).toThrow(OptionsError);
    expect(() => resolveOptions({ stdinStallMs: 0 })).toThrow(OptionsError);
  });

  test("buffer 8 MiB of stdin per session (more when --max-body is larger) and allow a child 30 s to read it", () => {
    expect(resolveOptions({})).toMatchObject({ stdinBufferBytes: 8 * 1024 * 1024, stdinStallMs: 30_000 });
    expect(resolveOptions({ maxBodyBytes: 16 * 1024 * 1024 })).toMatchObject({ stdinBufferBytes: 16 * 1024 * 1024 });
    expect(resolveOptions({ maxBodyBytes: 1024, stdinBufferBytes: 1024, stdinStallMs: 500 })).toMatchObject({ stdinBufferBytes: 1024, stdinStallMs: 500 });
  });

  test("refuse a stdin buffer too small for one --max-body message", () => {
    expect(() => resolveOptions({ stdinBufferBytes: 1024 * 1024 })).toThrow("must hold at least one --max-body message");
  });
});
