// After `user move --region` has switched a user's home, their state at the edge (sessions, API keys,
// webhooks, settings: their Durable Object hub) follows them: the edge copies it into the new region's
// hub, checks it, and leaves the old one a tombstone (edge/src/hub/hub-move.ts). While a held send of
// the user is still owed to the old core the edge answers 409: the CLI waits for it to go out.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { isProblem } from "../../../shared/problem.ts";
import { callEdge, EdgeUnreachableError, type EdgeTarget } from "../edge-client.ts";
import { RefusedError } from "./errors.ts";

const HubMoved = z.object({ from: z.string(), to: z.string(), rows: z.number(), resumed: z.boolean() });
export type HubMoved = z.infer<typeof HubMoved>;

/** Held sends wait at most the longest undo-send delay: this is ample. */
const PENDING_WAIT_MS = 120_000;

export async function moveHub(edge: EdgeTarget, userId: string, from: string, to: string, waitMs = PENDING_WAIT_MS): Promise<HubMoved> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let res: Response;
    try {
      res = await callEdge(edge, "POST", `/internal/v1/users/${encodeURIComponent(userId)}/move-hub?region=${encodeURIComponent(to)}`, { from }, { timeoutMs: 60_000 });
    } catch (err) {
      if (err instanceof EdgeUnreachableError) throw new RefusedError(`${err.message}; the mailbox moved, but the user's sessions, API keys and settings did not yet: run the move again`);
      throw err;
    }
    const data: unknown = await res.json().catch(() => null);
    if (res.status === 409 && Date.now() < deadline) {
      await sleep(Math.max(1, Number(res.headers.get("retry-after")) || 5) * 1000);
      continue;
    }
    if (!res.ok) {
      const why = isProblem(data) ? (data.detail ?? data.title) : `HTTP ${res.status}`;
      throw new RefusedError(`the edge did not move the user's hub: ${why} (${res.status}); the mailbox moved, run the move again to finish`);
    }
    const parsed = HubMoved.safeParse(data);
    if (!parsed.success) throw new RefusedError(`the edge answered ${res.status} with something this CLI does not understand`);
    return parsed.data;
  }
}
