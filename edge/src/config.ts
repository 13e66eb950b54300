// The edge's one config loader: the Worker's vars and secrets, validated by zod. A misconfigured
// edge answers 503 naming the bad variable (never its value) instead of failing request by request.
import { z } from "zod";
import { JURISDICTIONS, type Jurisdiction } from "../../shared/jurisdictions.ts";

const regionName = z.string().regex(/^[a-z0-9-]{1,32}$/);

/** A JSON object of region → value, as a var holds it (unset: {}). */
function regionMap<T extends z.ZodType>(value: T, example: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === "") return {} as Record<string, z.infer<T>>;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: "custom", message: `must be JSON such as ${example}` });
        return z.NEVER;
      }
      const checked = z.record(regionName, value).safeParse(parsed);
      if (!checked.success) {
        ctx.addIssue({ code: "custom", message: `must map region names to values such as ${example}` });
        return z.NEVER;
      }
      return checked.data as Record<string, z.infer<T>>;
    });
}

const schema = z.object({
  CORE_URLS: z
    .string({ message: "is required: a JSON object of region → core URL (or a list of a region's core URLs)" })
    .transform((text, ctx) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be JSON such as {"local":"http://127.0.0.1:8788"}' });
        return z.NEVER;
      }
      const url = z.url({ protocol: /^https?$/ });
      // A region with several cores lists them all; the edge spreads its calls over them.
      const parsed = z.record(z.string().regex(/^[a-z0-9-]{1,32}$/), z.union([url, z.array(url).min(1).max(64)])).safeParse(value);
      if (!parsed.success || Object.keys(parsed.data).length === 0) {
        ctx.addIssue({ code: "custom", message: "must map region names to the http(s) URL of their core, or a list of them" });
        return z.NEVER;
      }
      return Object.fromEntries(Object.entries(parsed.data).map(([region, urls]) => [region, typeof urls === "string" ? [urls] : urls]));
    }),
  DIRECTORY_REGION: z.string({ message: "is required: the region whose core holds the directory" }),
  TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).default(25 * 1024 * 1024),
  TOKEN_SECRET: z.string({ message: "is required (set it with `wrangler secret put TOKEN_SECRET`)" }).min(32, "must be at least 32 characters"),
  INTERNAL_SIGNING_SECRET: z
    .string({ message: "is required (the same secret the core has)" })
    .min(32, "must be at least 32 characters"),
  WEBHOOK_ALLOW_PRIVATE: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")], { message: 'must be "true" or "false"' })
    .default(false),
  // Residency: a region's users' Durable Objects in its jurisdiction, their blobs in its own bucket.
  REGION_JURISDICTIONS: regionMap(z.enum(JURISDICTIONS), '{"eu":"eu"}'),
  REGION_BUCKETS: regionMap(z.string().regex(/^[A-Z][A-Z0-9_]{0,62}$/), '{"eu":"BLOBS_EU"}'),
  WEBHOOK_DNS_URL: z.url({ protocol: /^https?$/, message: "must be the http(s) URL of a DNS-over-HTTPS (JSON) resolver" }).default("https://cloudflare-dns.com/dns-query"),
});

export interface EdgeConfig {
  /** Each region's cores (one or more; every one serves every user of the region). */
  coreUrls: Record<string, string[]>;
  directoryRegion: string;
  tokenTtlSeconds: number;
  maxMessageBytes: number;
  tokenSecret: string;
  internalSigningSecret: string;
  /** Webhooks and remote images may target loopback, private addresses, plain http and any port (local development). */
  webhookAllowPrivate: boolean;
  /** The DNS-over-HTTPS (JSON) resolver that webhook and remote image hosts are looked up with (target-check.ts). */
  webhookDnsUrl: string;
  /** Regions whose users' hubs live in a Durable Object jurisdiction; the others use the default namespace. */
  regionJurisdictions: Record<string, Jurisdiction>;
  /** Region → the R2 binding holding its users' blobs; the others use BLOBS. */
  regionBuckets: Record<string, string>;
}

export type ConfigResult = { ok: true; config: EdgeConfig } | { ok: false; problems: string[] };

export function loadEdgeConfig(vars: Record<string, unknown>): ConfigResult {
  const parsed = schema.safeParse(vars);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`) };
  const e = parsed.data;
  if (!(e.DIRECTORY_REGION in e.CORE_URLS)) {
    return { ok: false, problems: [`DIRECTORY_REGION: "${e.DIRECTORY_REGION}" is not a region of CORE_URLS`] };
  }
  const problems: string[] = [];
  for (const [name, map] of [["REGION_JURISDICTIONS", e.REGION_JURISDICTIONS], ["REGION_BUCKETS", e.REGION_BUCKETS]] as const) {
    for (const region of Object.keys(map)) if (!(region in e.CORE_URLS)) problems.push(`${name}: "${region}" is not a region of CORE_URLS`);
  }
  for (const [region, binding] of Object.entries(e.REGION_BUCKETS)) {
    // An R2 binding is an object among the vars; a missing one would put the region's blobs nowhere.
    if (typeof vars[binding] !== "object" || vars[binding] === null) problems.push(`REGION_BUCKETS: region "${region}" names ${binding}, which is no R2 binding of this worker`);
  }
  // Blobs follow the Durable Objects: a region kept in a jurisdiction must not fall back to BLOBS.
  for (const region of Object.keys(e.REGION_JURISDICTIONS)) {
    if (!(region in e.REGION_BUCKETS)) problems.push(`REGION_BUCKETS: region "${region}" is in a jurisdiction (REGION_JURISDICTIONS) but has no bucket of its own`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      coreUrls: e.CORE_URLS,
      directoryRegion: e.DIRECTORY_REGION,
      tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
      maxMessageBytes: e.MAX_MESSAGE_BYTES,
      tokenSecret: e.TOKEN_SECRET,
      internalSigningSecret: e.INTERNAL_SIGNING_SECRET,
      webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      webhookDnsUrl: e.WEBHOOK_DNS_URL,
      regionJurisdictions: e.REGION_JURISDICTIONS,
      regionBuckets: e.REGION_BUCKETS,
    },
  };
}
