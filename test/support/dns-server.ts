// A real DNS server on loopback for tests: SPF, DKIM, DMARC, MX and blocklist records of made-up
// zones, answered over UDP the way any resolver's server would, so the core's own resolver (set by
// DNS_SERVERS) does the lookups and nothing ever leaves the machine. Unknown names get NXDOMAIN.
import { createSocket, type Socket } from "node:dgram";
import dnsPacket, { type Answer, type Packet } from "dns-packet";

export type DnsRecords = Record<string, { TXT?: string[]; A?: string[]; AAAA?: string[]; MX?: { exchange: string; priority: number }[] }>;

export interface DnsServer {
  /** `127.0.0.1:<port>`, the value for DNS_SERVERS. */
  address: string;
  /** Adds (or replaces) records of names; the next query sees them. */
  set(records: DnsRecords): void;
  /** How many queries were answered, per `name/type` (to prove a lookup happened, or did not). */
  queries: Map<string, number>;
  /** Lets the process exit while the server is still open. */
  unref(): void;
  close(): Promise<void>;
}

/** Splits a TXT value into the 255-byte character strings one record can hold (long DKIM keys). */
function txtChunks(value: string): Buffer[] {
  const bytes = Buffer.from(value, "utf8");
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) chunks.push(bytes.subarray(i, i + 255));
  return chunks.length > 0 ? chunks : [Buffer.alloc(0)];
}

function answersFor(records: DnsRecords, name: string, type: string): Answer[] | null {
  const entry = records[name.toLowerCase().replace(/\.$/, "")];
  if (!entry) return null;
  const base = { name, ttl: 60, class: "IN" as const };
  switch (type) {
    case "TXT":
      return (entry.TXT ?? []).map((v) => ({ ...base, type: "TXT" as const, data: txtChunks(v) }));
    case "A":
      return (entry.A ?? []).map((v) => ({ ...base, type: "A" as const, data: v }));
    case "AAAA":
      return (entry.AAAA ?? []).map((v) => ({ ...base, type: "AAAA" as const, data: v }));
    case "MX":
      return (entry.MX ?? []).map((v) => ({ ...base, type: "MX" as const, data: { exchange: v.exchange, preference: v.priority } }));
    default:
      return [];
  }
}

export async function startDnsServer(initial: DnsRecords = {}): Promise<DnsServer> {
  const records: DnsRecords = {};
  const set = (more: DnsRecords) => {
    for (const [name, value] of Object.entries(more)) records[name.toLowerCase()] = value;
  };
  set(initial);
  const queries = new Map<string, number>();
  const socket: Socket = createSocket("udp4");
  socket.on("message", (msg, rinfo) => {
    let query: Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: a real server drops it too
    }
    const question = query.questions?.[0];
    if (!question) return;
    const key = `${question.name.toLowerCase()}/${question.type}`;
    queries.set(key, (queries.get(key) ?? 0) + 1);
    const answers = answersFor(records, question.name, question.type);
    const reply = dnsPacket.encode({
      id: query.id,
      type: "response",
      // RD copied, RA set; NXDOMAIN (rcode 3) for a name we have nothing for.
      flags: (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (answers === null ? 3 : 0),
      questions: [question],
      answers: answers ?? [],
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    set,
    queries,
    unref: () => void socket.unref(),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

let shared: Promise<DnsServer> | null = null;

/** One server per test process, for cores that a test does not give records of its own: their
 * lookups (SPF of made-up senders and so on) get fast, local NXDOMAIN answers instead of going to
 * the machine's resolver. It does not keep the process alive. */
export function sharedTestDns(): Promise<DnsServer> {
  shared ??= startDnsServer().then((server) => {
    server.unref();
    return server;
  });
  return shared;
}
