import { describe, expect, it } from "vitest";
import { parseSieve } from "./parse.ts";
import { redirectTargets } from "./redirects.ts";

describe("redirectTargets", () => {
  it("finds every redirect in every branch, normalised, each once", () => {
    const script = parseSieve(`require ["copy", "fileinto"];
redirect :copy "Top@Example.ORG";
if header :contains "subject" "a" {
  if size :over 10K { redirect "deep@example.org"; }
} elsif header :contains "subject" "b" {
  redirect :copy "elsif@example.org";
} else {
  fileinto "Other";
  redirect "top@example.org";
}
`);
    expect(redirectTargets(script)).toEqual(["top@example.org", "deep@example.org", "elsif@example.org"]);
    expect(redirectTargets(parseSieve('require "fileinto";\nfileinto "A";\n'))).toEqual([]);
  });
});
