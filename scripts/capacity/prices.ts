// The price list the capacity model bills with: list prices in USD, as read on the date below. Each
// figure names the page it was read from; a figure marked `assumption` was not found on a provider's
// page and is ours. Free allowances are left out: at the design's load they are noise.

export interface Price {
  usd: number;
  per: string;
  source: string;
  /** True when no provider's page gave the figure: ours, to be replaced by a quote. */
  assumption?: boolean;
}

export const PRICES_READ_ON = "2026-12-07";

export const prices = {
  workersRequests: {
    usd: 0.3,
    per: "million requests",
    source: "developers.cloudflare.com/workers/platform/pricing/ (Standard: 10 M requests a month included, then $0.30 per million; subrequests not billed)",
  },
  workersCpu: {
    usd: 0.02,
    per: "million CPU milliseconds",
    source: "developers.cloudflare.com/workers/platform/pricing/ (Standard: 30 M CPU ms a month included, then $0.02 per million)",
  },
  durableObjectRequests: {
    usd: 0.15,
    per: "million requests",
    source: "developers.cloudflare.com/durable-objects/platform/pricing (paid plan: 1 M included, then $0.15 per million; RPC sessions and alarms count)",
  },
  durableObjectDuration: {
    usd: 12.5,
    per: "million GB-s",
    source: "developers.cloudflare.com/durable-objects/platform/pricing (400,000 GB-s included, then $12.50 per million GB-s; hibernated sockets are not billed)",
  },
  durableObjectStorage: {
    usd: 0.2,
    per: "GB-month",
    source: "developers.cloudflare.com/workflows/reference/pricing/ (storage \"identical to Durable Objects SQL storage\": $0.20 per GB-month)",
  },
  r2Storage: {
    usd: 0.015,
    per: "GB-month",
    source: "github.com/cloudflare/cloudflare-docs src/content/docs/r2/pricing.mdx (Standard storage $0.015 per GB-month, egress free)",
  },
  r2ClassA: { usd: 4.5, per: "million operations", source: "same R2 page (Class A, writes: $4.50 per million)" },
  r2ClassB: { usd: 0.36, per: "million operations", source: "same R2 page (Class B, reads: $0.36 per million)" },
  queuesOperations: {
    usd: 0.4,
    per: "million operations (64 KB each; a message is a write, a read and a delete)",
    source: "developers.cloudflare.com/queues/pricing/ (Standard operations: 1 M a month included, then $0.40 per million; a 64 KB chunk written, read or deleted is one; usually 3 a message)",
  },
  coreMonth: {
    usd: (0.0816 / 2) * 730,
    per: "core-month (AWS m7g.large on demand, 2 vCPU = 2 Graviton cores, $0.0816 an hour in us-east-1, 730 hours)",
    source: "AWS EC2 on-demand list price as quoted at factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/ (June 2026)",
  },
  shardDisk: {
    usd: 0.08,
    per: "GB-month (AWS EBS gp3)",
    source: "AWS EBS gp3 list price ($0.08 per GB-month, as cited in gitlab.com/gitlab-org/ci-cd/docker-machine merge request 45); not read on AWS's own page",
    assumption: true,
  },
} satisfies Record<string, Price>;

export type Prices = typeof prices;
