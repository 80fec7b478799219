import { describe, expect, test } from "bun:test";
import type { ServerEntry } from "../../src/setup/claude-config.ts";
import { planSetup, summary } from "../../src/setup/plan.ts";
import { mergeNoProxy, proxyUrlFrom, SETUP_KEYS, wantedValue } from "../../src/setup/proxy-env.ts";
import { mergeRecord, planUndo } from "../../src/setup/record.ts";

const url = "http://127.0.0.1:28080";
const local = (name: string, env?: Record<string, unknown>, command = "npx"): ServerEntry => ({ name, kind: "local", command, env });

describe("proxy values", () => {
  test("NO_PROXY keeps the user's list and appends only the loopback hosts it lacks", () => {
    expect(mergeNoProxy(undefined)).toBe("localhost,127.0.0.1,::1");
    expect(mergeNoProxy("corp.example")).toBe("corp.example,localhost,127.0.0.1,::1");
    expect(mergeNoProxy("corp.example, LOCALHOST ,")).toBe("corp.example, LOCALHOST,127.0.0.1,::1");
    expect(mergeNoProxy("::1,127.0.0.1,localhost")).toBe("::1,127.0.0.1,localhost");
  });

  test("a lower-case no_proxy that is missing takes the upper-case list, so the twins agree", () => {
    expect(wantedValue("no_proxy", { NO_PROXY: "corp.example" }, url)).toBe("corp.example,localhost,127.0.0.1,::1");
    expect(wantedValue("NO_PROXY", { no_proxy: "a.example" }, url)).toBe("a.example,localhost,127.0.0.1,::1");
  });

  test("--port and --proxy become one URL; a proxy URL with a path, a password or https is refused", () => {
    expect(proxyUrlFrom(undefined, undefined)).toBe(url);
    expect(proxyUrlFrom(undefined, 9000)).toBe("http://127.0.0.1:9000");
    expect(proxyUrlFrom("http://127.0.0.1:9000/", undefined)).toBe("http://127.0.0.1:9000");
    for (const bad of ["https://127.0.0.1:1", "http://u:p@127.0.0.1:1", "http://127.0.0.1:1/x", "nonsense"]) {
      expect(() => proxyUrlFrom(bad, undefined)).toThrow("invalid --proxy");
    }
    expect(() => proxyUrlFrom(url, 9000)).toThrow("cannot be used together");
  });
});

describe("planSetup", () => {
  test("adds all seven keys to a server without env, and creates the env", () => {
    const [plan] = planSetup([local("fs")], { url });
    expect(plan!.status).toBe("changed");
    expect(plan!.createsEnv).toBe(true);
    expect(plan!.changes.map((c) => c.key)).toEqual([...SETUP_KEYS]);
  });

  test("leaves a proxy key that holds another value alone without --force, and replaces it with --force", () => {
    const server = local("jira", { HTTPS_PROXY: "http://corp:8080", TOKEN: "secret" });
    const [plain] = planSetup([server], { url });
    expect(plain!.conflicts).toEqual(["HTTPS_PROXY"]);
    expect(plain!.changes.some((c) => c.key === "HTTPS_PROXY")).toBe(false);
    const [forced] = planSetup([server], { url, force: true });
    expect(forced!.conflicts).toEqual([]);
    expect(forced!.changes.find((c) => c.key === "HTTPS_PROXY")).toEqual({ key: "HTTPS_PROXY", action: "replace", value: url, previous: "http://corp:8080" });
  });

  test("never records another env key's value (a secret) in the plan", () => {
    const [plan] = planSetup([local("gh", { GITHUB_TOKEN: "ghp_secret" })], { url, force: true });
    expect(JSON.stringify(plan)).not.toContain("ghp_secret");
  });

  test("a server that is already set up, even with a trailing slash on its URLs, has nothing to do", () => {
    const env = Object.fromEntries(SETUP_KEYS.map((key) => [key, wantedValue(key, {}, url)]));
    env.HTTP_PROXY = `${url}/`;
    expect(planSetup([local("fs", env)], { url })[0]!.status).toBe("already");
  });

  test("skips remote, disabled and command-less entries, and honours --only/--except", () => {
    const servers: ServerEntry[] = [local("a"), local("b"), { name: "r", kind: "remote" }, { name: "d", kind: "disabled" }, { name: "o", kind: "other" }];
    expect(planSetup(servers, { url }).map((p) => p.status)).toEqual(["changed", "changed", "remote", "disabled", "no-command"]);
    expect(planSetup(servers, { url, only: ["b"] }).map((p) => p.status).slice(0, 2)).toEqual(["excluded", "changed"]);
    expect(planSetup(servers, { url, except: ["b"] }).map((p) => p.status).slice(0, 2)).toEqual(["changed", "excluded"]);
    expect(summary(planSetup(servers, { url }))).toBe("2 servers set up, 1 skipped (remote), 1 skipped (disabled), 1 skipped (no command)");
  });

  test("refuses an --only name the file does not have, instead of setting up nothing silently", () => {
    expect(() => planSetup([local("a")], { url, only: ["typo"] })).toThrow('no server named "typo"');
    expect(() => planSetup([local("a")], { url, only: ["a"], except: ["a"] })).toThrow("cannot be used together");
  });
});

describe("undo record", () => {
  test("a second run keeps the first run's previous value, so undo restores the state before any setup", () => {
    const first = mergeRecord(undefined, planSetup([local("j", { HTTPS_PROXY: "http://corp:8080" })], { url, force: true }));
    const second = mergeRecord(first, planSetup([local("j", { HTTPS_PROXY: url })], { url: "http://127.0.0.1:9000", force: true }));
    expect(second.servers.j!.keys.HTTPS_PROXY).toEqual({ added: false, value: "http://127.0.0.1:9000", previous: "http://corp:8080" });
    expect(second.servers.j!.keys.HTTP_PROXY).toEqual({ added: true, value: "http://127.0.0.1:9000" });
  });

  test("undo removes added keys, restores replaced ones, and keeps a value edited since", () => {
    const record = mergeRecord(undefined, planSetup([local("j", { HTTPS_PROXY: "http://corp:8080" })], { url, force: true }));
    const now = local("j", { ...Object.fromEntries(SETUP_KEYS.map((k) => [k, wantedValue(k, {}, url)])), HTTP_PROXY: "http://edited:1" });
    const [plan] = planUndo(record, [now]);
    const actions = Object.fromEntries(plan!.steps.map((s) => [s.key, s.action]));
    expect(actions.HTTP_PROXY).toBe("kept");
    expect(actions.HTTPS_PROXY).toBe("restore");
    expect(actions.NODE_USE_ENV_PROXY).toBe("remove");
    expect(plan!.steps.find((s) => s.key === "HTTPS_PROXY")!.previous).toBe("http://corp:8080");
  });

  test("undo removes an env object setup created only when nothing else was put in it since", () => {
    const record = mergeRecord(undefined, planSetup([local("fs")], { url }));
    const ours = Object.fromEntries(SETUP_KEYS.map((k) => [k, wantedValue(k, {}, url)]));
    expect(planUndo(record, [local("fs", ours)])[0]!.removesEnv).toBe(true);
    expect(planUndo(record, [local("fs", { ...ours, API_KEY: "x" })])[0]!.removesEnv).toBe(false);
    expect(planUndo(record, [])[0]!.missing).toBe(true);
  });
});
