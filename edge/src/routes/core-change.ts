// A change of the user's mailbox made through their core (a move, a draft, filters): relayed, then the
// user's hub takes in the change's events up to the seq the core answered (EVENT_SEQ_HEADER) before the
// client hears back. So the hub never serves a head older than the client's own change, and what the
// change recorded (a new forward's security event) is in the security list at once, not when the
// core's push arrives.
import type { Context } from "hono";
import type { CoreAnswer, CoreRequest, CoreRoute } from "../../../shared/internal-api.ts";

export async function changeThroughCore<R extends CoreRoute>(c: Context, route: R, request: CoreRequest<R>): Promise<CoreAnswer<R>> {
  const user = c.get("user");
  const { data, seq } = await c.get("core").relay(user.rgn, route, request);
  await c.get("platform").hub(user.sub, user.rgn).noteChange(user.sub, user.rgn, seq);
  return data;
}
