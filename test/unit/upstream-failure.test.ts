/**
 * upstreamFailure(): what a tunnel or forwarded request answers when its upstream cannot be
 * had. A rule's refusal is ours (its own status, not counted against the target); a refused
 * connect while the process is out of fds is ours too (503); everything else is the target's.
 */
import { describe, expect, test } from "bun:test";
import { HttpError } from "../../src/errors.ts";
import { outOfFds } from "../../src/fd-limit.ts";
import { OUT_OF_FDS, upstreamFailure } from "../../src/forward/upstream-failure.ts";
import { Traffic } from "../../src/status/traffic.ts";

const errno = (code: string) => Object.assign(new Error(code), { code });

describe("upstreamFailure", () => {
  test("a refused connect with fds to spare is the target's: 502, counted against it", () => {
    const traffic = new Traffic();
    const failure = upstreamFailure(traffic, "a.test:443", errno("ECONNREFUSED"), undefined, () => false);
    expect(failure).toMatchObject({ status: 502, outcome: "unreachable" });
    expect(failure.message).toContain("cannot reach a.test:443");
    expect([...traffic.failures.values()].map((f) => f.target)).toEqual(["a.test:443"]);
  });

  test("a refused connect with no fd left is the proxy's: 503, the target not blamed", () => {
    const traffic = new Traffic();
    const failure = upstreamFailure(traffic, "a.test:443", errno("ECONNREFUSED"), undefined, () => true);
    expect(failure).toMatchObject({ status: 503, message: OUT_OF_FDS, outcome: "unreachable" });
    expect(failure.cause).toContain("out of file descriptors");
    expect(traffic.failures.size).toBe(0);
  });

  test("a timeout is 504 and a rule's refusal keeps its own status, whatever the fds", () => {
    const traffic = new Traffic();
    expect(upstreamFailure(traffic, "a.test:443", errno("ETIMEDOUT"), undefined, () => true).status).toBe(504);
    const rule = upstreamFailure(traffic, "a.test:443", new HttpError(403, "refused by --deny-dest"), undefined, () => true);
    expect(rule).toMatchObject({ status: 403, outcome: "rejected" });
  });
});

describe("outOfFds", () => {
  test("is true within a few fds of the limit, or when there is no fd left to count with", () => {
    expect(outOfFds(() => 100, () => 1024)).toBe(false);
    expect(outOfFds(() => 1022, () => 1024)).toBe(true);
    const emfile = () => {
      throw errno("EMFILE");
    };
    expect(outOfFds(emfile, () => 1024)).toBe(true);
  });
});
