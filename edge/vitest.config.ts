import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { configDefaults, defineProject } from "vitest/config";

// The worker inside workerd, talking to a real core that globalSetup starts on ephemeral ports,
// delivering webhooks to a real HTTP receiver that globalSetup also starts, and resolving webhook
// hosts with a real DNS-over-HTTPS server of made-up zones, and fetching remote images from a real
// loopback image host, started there too.
export default defineProject({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "../wrangler.toml" },
      miniflare: {
        bindings: {
          CORE_URLS: JSON.stringify({ local: inject<string>("coreUrl") }),
          DIRECTORY_REGION: "local",
          TOKEN_SECRET: "edge-test-token-secret-0123456789abcdef",
          INTERNAL_SIGNING_SECRET: inject<string>("signingSecret"),
          MAX_MESSAGE_BYTES: String(1024 * 1024),
          // The tests' webhook receiver listens on loopback over http.
          WEBHOOK_ALLOW_PRIVATE: "true",
        },
        // Another region's bucket and the local stand-in for Durable Object jurisdictions, as
        // `REGIONS=us,eu npm start` binds them (residency.test.ts names the region that uses them).
        r2Buckets: { BLOBS_EU: "edgemail-blobs-eu" },
        durableObjects: { LOCAL_JURISDICTION_HUB: { className: "LocalJurisdictionHub", useSQLite: true } },
      },
    })),
  ],
  test: {
    name: "edge",
    include: ["src/**/*.test.ts"],
    // Those run under Node, in the core project.
    exclude: [...configDefaults.exclude, "src/**/*.node.test.ts"],
    globalSetup: ["./test/global-core.ts", "./test/global-webhook-receiver.ts", "./test/global-doh-server.ts", "./test/global-image-server.ts"],
    testTimeout: 30_000,
  },
});
