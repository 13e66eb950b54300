import { describe, expect, it } from "vitest";
import { clientNetwork, describeSpecial, parseIp, specialPurposeOf } from "./ip-ranges.ts";

const judge = (text: string) => {
  const ip = parseIp(text);
  if (!ip) return "unreadable";
  const special = specialPurposeOf(ip);
  return special ? describeSpecial(special) : "public";
};

describe("addresses as resolvers and sockets write them", () => {
  it("reads every RFC 4291 form, the dotted IPv4 tail included", () => {
    expect(judge("::ffff:127.0.0.1")).toBe("a loopback address (127.0.0.0/8) inside an IPv4-mapped address (::ffff:0:0/96)");
    expect(judge("::FFFF:7F00:1")).toBe("a loopback address (127.0.0.0/8) inside an IPv4-mapped address (::ffff:0:0/96)");
    expect(judge("0:0:0:0:0:0:0:1")).toBe("a loopback address (::1/128)");
    expect(judge("64:ff9b::10.0.0.1")).toBe("a private address (10.0.0.0/8) inside a NAT64 address (64:ff9b::/96)");
    expect(judge("2a00:2:3:4:5:6:7.8.9.10")).toBe("public");
    expect(judge("1:2:3:4:5:6:7.8.9.10")).toBe("a reserved IPv6 address (::/8)");
    expect(judge("2606:4700:4700::1111")).toBe("public");
    expect(judge("::ffff:1.1.1.1")).toBe("public");
  });

  it("reads nothing a lenient reader would take for an address in another base or shape", () => {
    for (const text of ["0x7f.0.0.1", "0177.0.0.1", "127.000.0.1", "2130706433", "127.1", "1.2.3.4.5", "256.1.1.1", "fe80::1%eth0", "1::2::3", "12345::", "::1:2:3:4:5:6:7:8", ":1::", "1.2.3.4:"]) {
      expect(parseIp(text), text).toBeNull();
    }
  });
});

describe("a client as rate limits count it", () => {
  it("is an IPv4 address as it is, an IPv6 address by its /64, nothing for what is no address", () => {
    expect(clientNetwork("192.0.2.7")).toBe("192.0.2.7");
    expect(clientNetwork("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(clientNetwork("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:0DB8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:db8::5")).toBe("2001:db8:0:0::/64");
    expect(clientNetwork("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientNetwork("unknown")).toBeNull();
  });
});
