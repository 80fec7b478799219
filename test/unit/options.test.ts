import { describe, expect, test } from "bun:test";
import { parseArgs } from "citty";
import { args, checkUnknown, splitSse, toOptions, type CliArgs } from "../../src/cli-args.ts";
import { OptionsError } from "../../src/errors.ts";
import { parseMicroseconds, parsePort, parseSeconds } from "../../src/cli-values.ts";
import { resolveOptions } from "../../src/options.ts";

const parse = (argv: string[]) => parseArgs(argv, args) as unknown as CliArgs;

describe("options", () => {
  test("defaults are loopback on 28080 with a 30 s connect timeout", () => {
    const resolved = resolveOptions({});
    expect(resolved).toMatchObject({ host: "127.0.0.1", port: 28080, connectTimeoutMs: 30_000, sse: undefined });
  });

  test("ports are whole numbers from 0 to 65535", () => {
    expect(parsePort("0")).toBe(0);
    expect(parsePort("65535")).toBe(65535);
    for (const bad of ["abc", "70000", "-1", "1.5", "", " 80", "0x50"]) expect(() => parsePort(bad)).toThrow(OptionsError);
    expect(() => resolveOptions({ port: 65536 })).toThrow(OptionsError);
  });

  test("seconds become milliseconds and must be positive", () => {
    expect(parseSeconds("--connect-timeout", "0.5")).toBe(500);
    for (const bad of ["0", "-1", "soon", "1e3", ""]) expect(() => parseSeconds("--x", bad)).toThrow(OptionsError);
  });

  test("the busy-poll window is 200 µs by default, given in microseconds, 0 (off) to 10 ms", () => {
    expect(resolveOptions({}).busyPollMs).toBe(0.2);
    expect(parseMicroseconds("--busy-poll", "0")).toBe(0);
    expect(parseMicroseconds("--busy-poll", "10000")).toBe(10);
    for (const bad of ["-1", "10001", "0.5", "fast", ""]) expect(() => parseMicroseconds("--busy-poll", bad)).toThrow(OptionsError);
    expect(() => resolveOptions({ busyPollMs: 11 })).toThrow(OptionsError);
    expect(() => resolveOptions({ busyPollMs: Number.NaN })).toThrow(OptionsError);
  });
});

describe("command-line flags", () => {
  test("everything after --sse is the child's, its own flags included", () => {
    expect(splitSse(["-p", "1", "--sse", "npx", "-y", "pkg", "--port", "3"])).toEqual([["-p", "1"], ["npx", "-y", "pkg", "--port", "3"]]);
    expect(splitSse(["--sse=node", "server.js"])).toEqual([[], ["node", "server.js"]]);
    expect(splitSse(["-p", "1"])).toEqual([["-p", "1"], undefined]);
    expect(() => splitSse(["--sse"])).toThrow(OptionsError);
  });

  test("flags become options in one place", () => {
    expect(toOptions(parse(["-p", "9000", "--connect-timeout", "2", "--busy-poll", "50"]), ["x"])).toMatchObject({
      port: 9000,
      busyPollMs: 0.05,
      host: "127.0.0.1",
      connectTimeoutMs: 2000,
      sse: ["x"],
    });
  });

  test("unknown flags and stray words are errors, not ignored", () => {
    expect(() => checkUnknown(parse(["--bogus"]))).toThrow("unknown flag --bogus");
    expect(() => checkUnknown(parse(["stray"]))).toThrow('unexpected argument "stray"');
    expect(() => checkUnknown(parse(["--connect-timeout", "3", "--verbose"]))).not.toThrow();
  });
});

describe("bind safety and access options", () => {
  test("refuses an open proxy: a non-loopback --host with --auth off and no --allow-client, saying why", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.5"]) {
      expect(() => resolveOptions({ host, auth: "off" })).toThrow(/refusing to start an open proxy.*anyone who can reach/);
    }
    expect(resolveOptions({ host: "0.0.0.0", auth: "off", openProxy: true }).openProxy).toBe(true);
    expect(resolveOptions({ host: "0.0.0.0", auth: "off", allowClients: ["10.0.0.0/8"] }).allowClients).toHaveLength(1);
    expect(resolveOptions({ host: "0.0.0.0" }).auth).toBe("loopback-free");
    expect(resolveOptions({ host: "127.0.0.1", auth: "off" }).auth).toBe("off");
    expect(resolveOptions({ host: "localhost", auth: "off" }).auth).toBe("off");
  });

  test("rejects an unknown --auth, a short token, and a bad --allow-client / --allow-dest / --deny-dest", () => {
    expect(() => resolveOptions({ auth: "sometimes" as never })).toThrow(OptionsError);
    expect(() => resolveOptions({ token: "short" })).toThrow(/too short/);
    expect(() => resolveOptions({ allowClients: ["10.0.0.0/99"] })).toThrow(/--allow-client/);
    expect(() => resolveOptions({ allowDests: ["http://x/"] })).toThrow(/--allow-dest/);
    expect(() => resolveOptions({ denyDests: ["a b"] })).toThrow(/--deny-dest/);
  });

  test("the new flags reach the options, repeatable and comma-separated", () => {
    const own = ["--auth", "always", "--allow-client", "172.17.0.0/16", "--allow-client=10.0.0.1,10.0.0.2", "--deny-dest", "*.internal", "--open-proxy"];
    const options = toOptions(parse(own), undefined, own);
    expect(options).toMatchObject({ auth: "always", allowClients: ["172.17.0.0/16", "10.0.0.1", "10.0.0.2"], denyDests: ["*.internal"], openProxy: true });
  });
});
