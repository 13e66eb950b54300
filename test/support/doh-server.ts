// A real DNS-over-HTTPS server on loopback for tests, in the JSON form Cloudflare's and Google's
// resolvers answer (GET /dns-query?name=&type= → application/dns-json), serving the records of
// made-up zones as dns-server.ts does over UDP: the edge's resolver (WEBHOOK_DNS_URL) asks it, and
// nothing leaves the machine. Unknown names get NXDOMAIN (Status 3).
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DnsRecords } from "./dns-server.ts";

const TYPES: Record<string, number> = { A: 1, AAAA: 28 };

export interface DohServer {
  /** `http://127.0.0.1:<port>/dns-query`, the value for WEBHOOK_DNS_URL. */
  url: string;
  /** Adds (or replaces) records of names; the next query sees them. */
  set(records: DnsRecords): void;
  close(): Promise<void>;
}

export async function startDohServer(initial: DnsRecords = {}): Promise<DohServer> {
  const records: DnsRecords = {};
  const set = (more: DnsRecords) => {
    for (const [name, value] of Object.entries(more)) records[name.toLowerCase()] = value;
  };
  set(initial);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://doh.test");
    const name = url.searchParams.get("name") ?? "";
    const type = (url.searchParams.get("type") ?? "A").toUpperCase();
    if (url.pathname !== "/dns-query" || !name || !(type in TYPES)) {
      res.writeHead(400, { "content-type": "application/dns-json" }).end(JSON.stringify({ error: "bad query" }));
      return;
    }
    const entry = records[name.toLowerCase().replace(/\.$/, "")];
    const data = entry ? ((type === "A" ? entry.A : entry.AAAA) ?? []) : [];
    const body = {
      Status: entry ? 0 : 3,
      TC: false,
      RD: true,
      RA: true,
      AD: false,
      CD: false,
      Question: [{ name, type: TYPES[type] }],
      ...(data.length > 0 ? { Answer: data.map((d) => ({ name, type: TYPES[type], TTL: 60, data: d })) } : {}),
    };
    res.writeHead(200, { "content-type": "application/dns-json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns-query`,
    set,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
