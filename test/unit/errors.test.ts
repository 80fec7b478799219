import { describe, expect, test } from "bun:test";
import { describeErrno, statusForErrno } from "../../src/errors.ts";

const sysError = (code: string, message = "Failed to connect") => Object.assign(new Error(message), { code });

describe("the errno table", () => {
  test("words errors the way users search for them", () => {
    expect(describeErrno(sysError("EHOSTUNREACH"))).toBe("EHOSTUNREACH No route to host");
    expect(describeErrno(sysError("ECONNREFUSED"))).toBe("ECONNREFUSED Connection refused");
    expect(describeErrno(sysError("ENOTFOUND", "getaddrinfo ENOTFOUND x"))).toBe("ENOTFOUND Host not found");
    expect(describeErrno(sysError("EWEIRD", "something odd"))).toBe("EWEIRD something odd");
    expect(describeErrno("plain")).toBe("EUNKNOWN plain");
  });

  test("maps refusals and DNS failures to 502 and timeouts to 504", () => {
    expect(statusForErrno(sysError("ECONNREFUSED"))).toBe(502);
    expect(statusForErrno(sysError("ENOTFOUND"))).toBe(502);
    expect(statusForErrno(sysError("EHOSTUNREACH"))).toBe(502);
    expect(statusForErrno(sysError("ETIMEDOUT"))).toBe(504);
  });
});
