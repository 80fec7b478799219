import { describe, expect, test } from "bun:test";
import { formatIp, inCidr, isLoopbackAddress, isLoopbackHost, parseCidr, parseIp } from "../../src/security/address.ts";

const cidr = (text: string) => parseCidr(text)!;
const ip = (text: string) => parseIp(text)!;

describe("addresses", () => {
  test("an IPv4 address and its IPv4-mapped IPv6 forms are the same address (no bypass by spelling)", () => {
    const plain = ip("10.1.2.3");
    for (const form of ["::ffff:10.1.2.3", "::FFFF:10.1.2.3", "::ffff:a01:203", "[::ffff:10.1.2.3]", "0:0:0:0:0:ffff:10.1.2.3"]) {
      expect(ip(form)).toEqual(plain);
    }
  });

  test("IPv6 text forms parse to the same bytes; zones are dropped; garbage is not an address", () => {
    expect(ip("::1")).toEqual(ip("0:0:0:0:0:0:0:1"));
    expect(ip("fe80::1%eth0")).toEqual(ip("fe80::1"));
    expect(ip("2001:db8::1.2.3.4")).toEqual(ip("2001:db8::102:304"));
    expect(ip("1:2:3:4:5:6:1.2.3.4")).toEqual(ip("1:2:3:4:5:6:102:304"));
    for (const bad of ["", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", ":::", "example.com", "127.1"]) {
      expect(parseIp(bad)).toBeUndefined();
    }
  });

  test("loopback is 127.0.0.0/8 and ::1 in every form Bun reports, and nothing that only looks like it", () => {
    for (const address of ["127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "0:0:0:0:0:0:0:1"]) {
      expect(isLoopbackAddress(address)).toBe(true);
    }
    for (const address of ["10.0.0.1", "::", "0.0.0.0", "::2", "128.0.0.1", "::ffff:10.0.0.1", "fe80::1", "127.evil.example", undefined, ""]) {
      expect(isLoopbackAddress(address)).toBe(false);
    }
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
  });

  test("CIDR blocks match by prefix bits, IPv4 blocks also match mapped IPv6 clients", () => {
    expect(inCidr(ip("172.17.0.5"), cidr("172.17.0.0/16"))).toBe(true);
    expect(inCidr(ip("::ffff:172.17.0.5"), cidr("172.17.0.0/16"))).toBe(true);
    expect(inCidr(ip("172.18.0.5"), cidr("172.17.0.0/16"))).toBe(false);
    expect(inCidr(ip("10.255.255.255"), cidr("10.0.0.0/8"))).toBe(true);
    expect(inCidr(ip("192.168.1.129"), cidr("192.168.1.128/25"))).toBe(true);
    expect(inCidr(ip("192.168.1.127"), cidr("192.168.1.128/25"))).toBe(false);
    expect(inCidr(ip("fe80::abcd"), cidr("fe80::/10"))).toBe(true);
    expect(inCidr(ip("febf::1"), cidr("fe80::/10"))).toBe(true);
    expect(inCidr(ip("fec0::1"), cidr("fe80::/10"))).toBe(false);
    expect(inCidr(ip("1.2.3.4"), cidr("0.0.0.0/0"))).toBe(true);
    // An IPv4 /0 covers IPv4 only, not all of IPv6.
    expect(inCidr(ip("2001:db8::1"), cidr("0.0.0.0/0"))).toBe(false);
    expect(inCidr(ip("2001:db8::1"), cidr("::/0"))).toBe(true);
    expect(inCidr(ip("192.168.1.5"), cidr("192.168.1.5"))).toBe(true);
    expect(inCidr(ip("192.168.1.6"), cidr("192.168.1.5"))).toBe(false);
    for (const bad of ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0/8", "host/8"]) expect(parseCidr(bad)).toBeUndefined();
  });

  test("formats back to dotted quad for IPv4 and RFC 5952 for IPv6", () => {
    expect(formatIp(ip("::ffff:10.0.0.1"))).toBe("10.0.0.1");
    expect(formatIp(ip("0:0:0:0:0:0:0:1"))).toBe("::1");
    expect(formatIp(ip("2001:db8:0:0:1:0:0:1"))).toBe("2001:db8::1:0:0:1");
    expect(formatIp(ip("fe80::"))).toBe("fe80::");
  });
});
