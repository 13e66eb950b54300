// The made-up zones that global-doh-server.ts serves over DNS-over-HTTPS to the edge tests: names
// as a hostile integrator would register them (loopback aliases such as localtest.me, nip.io's
// address-in-the-name, a name with one public and one private address) and a plain public one.
// Tests point WEBHOOK_DNS_URL at `webhookDnsUrl()` to have the worker resolve them.
import { inject } from "vitest";

declare module "vitest" {
  interface ProvidedContext {
    dohUrl: string;
  }
}

export const webhookZones = {
  "localtest.me": { A: ["127.0.0.1"] },
  "127.0.0.1.nip.io": { A: ["127.0.0.1"] },
  "metadata.hooks-test.net": { A: ["169.254.169.254"] },
  "mixed.hooks-test.net": { A: ["93.184.215.14", "10.1.2.3"] },
  "v6private.hooks-test.net": { A: ["93.184.215.14"], AAAA: ["fd00::1"] },
  "nat64.hooks-test.net": { AAAA: ["64:ff9b::7f00:1"] },
  "public.hooks-test.net": { A: ["93.184.215.14"], AAAA: ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"] },
  "nodata.hooks-test.net": {},
};

/** The DNS-over-HTTPS endpoint serving `webhookZones`. */
export function webhookDnsUrl(): string {
  return inject("dohUrl");
}
