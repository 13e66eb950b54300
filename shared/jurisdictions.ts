// Where Cloudflare can keep a Durable Object (DurableObjectNamespace.jurisdiction) and an R2 bucket:
// what a region of the edge's REGION_JURISDICTIONS may name, and which local regions `REGIONS=… npm
// start` treats as kept in a jurisdiction.
export const JURISDICTIONS = ["eu", "fedramp", "fedramp-high", "us"] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

export function isJurisdiction(name: string): name is Jurisdiction {
  return (JURISDICTIONS as readonly string[]).includes(name);
}
