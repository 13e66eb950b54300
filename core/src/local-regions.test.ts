import { describe, expect, it } from "vitest";
import { localResidency } from "./local-regions.ts";

describe("localResidency", () => {
  it("gives every region but the first a bucket of its own, and a jurisdiction to those named after one", () => {
    expect(localResidency(["us", "eu", "ap-south"])).toEqual({
      bucketOf: { us: "edgemail-blobs", eu: "edgemail-blobs-eu", "ap-south": "edgemail-blobs-ap-south" },
      bindings: { BLOBS_EU: "edgemail-blobs-eu", BLOBS_AP_SOUTH: "edgemail-blobs-ap-south" },
      vars: { REGION_BUCKETS: '{"eu":"BLOBS_EU","ap-south":"BLOBS_AP_SOUTH"}', REGION_JURISDICTIONS: '{"eu":"eu"}' },
    });
    expect(localResidency(["local"]).vars).toEqual({ REGION_BUCKETS: "{}", REGION_JURISDICTIONS: "{}" });
  });
});
