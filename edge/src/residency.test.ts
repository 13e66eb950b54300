// A region's users stay in it at the edge: their hubs in the Durable Object namespace of the region's
// jurisdiction, their blobs in the region's bucket. workerd (here, and under npm start) does not
// implement jurisdictions, so a local edge binds LOCAL_JURISDICTION_HUB in their stead; without it the
// platform asks for the jurisdiction itself, which workerd refuses by name.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { cloudflarePlatform } from "./cloudflare-platform.ts";
import type { Env } from "./env.ts";

const coreUrl = JSON.parse(env.CORE_URLS) as Record<string, string>;
/** The test env as a deployment with regions local and eu, eu kept in the eu jurisdiction. */
function withEu(extra: Partial<Env> = {}): Env {
  return {
    ...env,
    CORE_URLS: JSON.stringify({ local: coreUrl.local, eu: coreUrl.local }),
    REGION_JURISDICTIONS: '{"eu":"eu"}',
    REGION_BUCKETS: '{"eu":"BLOBS_EU"}',
    ...extra,
  };
}

const user = () => crypto.randomUUID();
/** eu's bucket, as edge/vitest.config.ts binds it. */
const BLOBS_EU = (env as unknown as Record<string, R2Bucket>).BLOBS_EU!;

describe("hub(userId, region)", () => {
  it("asks for the region's jurisdiction, which workerd does not implement", () => {
    expect(() => env.MAILBOX_HUB.jurisdiction("eu")).toThrow(/Jurisdiction restrictions are not implemented in workerd/);
    const platform = cloudflarePlatform(withEu({ LOCAL_JURISDICTION_HUB: undefined }));
    expect(platform.config.ok).toBe(true);
    expect(() => platform.hub(user(), "eu")).toThrow(/Jurisdiction restrictions are not implemented in workerd/);
    // A region without a jurisdiction is the default namespace's.
    expect(() => platform.hub(user(), "local")).not.toThrow();
  });

  it("keeps a jurisdictional region's hubs in the local stand-in, apart from the default namespace", async () => {
    const platform = cloudflarePlatform(withEu());
    const eu = user();
    expect(await platform.hub(eu, "eu").acceptNonce("n-1", 60_000)).toBe(true);
    // The stand-in's object for eu saw the nonce; the default namespace's object of that name did not.
    const standIn = env.LOCAL_JURISDICTION_HUB!;
    expect(await standIn.get(standIn.idFromName(eu)).acceptNonce("n-1", 60_000)).toBe(false);
    expect(await env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(eu)).acceptNonce("n-1", 60_000)).toBe(true);

    const local = user();
    expect(await platform.hub(local, "local").acceptNonce("n-2", 60_000)).toBe(true);
    expect(await env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(local)).acceptNonce("n-2", 60_000)).toBe(false);
    expect(await standIn.get(standIn.idFromName(local)).acceptNonce("n-2", 60_000)).toBe(true);
  });
});

describe("blobs(region)", () => {
  it("reads and writes a region's blobs in its own bucket, the others' in BLOBS", async () => {
    const platform = cloudflarePlatform(withEu());
    const key = `test/residency/${crypto.randomUUID()}`;
    await platform.blobs("eu").putText(key, "eu bytes", "text/plain");
    expect(await BLOBS_EU.get(key).then((o) => o?.text())).toBe("eu bytes");
    expect(await env.BLOBS.head(key)).toBeNull();
    expect(await platform.blobs("eu").getText(key)).toBe("eu bytes");
    expect(await platform.blobs("local").getText(key)).toBeNull();

    const { sha256 } = await platform.blobs("eu").putContentAddressed(new Blob(["attachment in eu"]).stream(), 16, "text/plain");
    expect(await BLOBS_EU.head(`att/sha256/${sha256}`)).not.toBeNull();
    expect(await env.BLOBS.head(`att/sha256/${sha256}`)).toBeNull();
  });
});

describe("the residency config", () => {
  const problems = (extra: Partial<Env>) => {
    const result = cloudflarePlatform(withEu(extra)).config;
    return result.ok ? [] : result.problems;
  };

  it("refuses a jurisdictional region without a bucket, a bucket binding that is not there, and unknown regions", () => {
    expect(problems({})).toEqual([]);
    expect(problems({ REGION_BUCKETS: "{}" })).toEqual(['REGION_BUCKETS: region "eu" is in a jurisdiction (REGION_JURISDICTIONS) but has no bucket of its own']);
    expect(problems({ REGION_BUCKETS: '{"eu":"BLOBS_NOWHERE"}' })).toEqual(['REGION_BUCKETS: region "eu" names BLOBS_NOWHERE, which is no R2 binding of this worker']);
    expect(problems({ REGION_JURISDICTIONS: '{"eu":"eu","ap":"eu"}' })).toEqual(['REGION_JURISDICTIONS: "ap" is not a region of CORE_URLS', 'REGION_BUCKETS: region "ap" is in a jurisdiction (REGION_JURISDICTIONS) but has no bucket of its own']);
    expect(problems({ REGION_JURISDICTIONS: '{"eu":"mars"}' })).toEqual(['REGION_JURISDICTIONS: must map region names to values such as {"eu":"eu"}']);
  });
});
