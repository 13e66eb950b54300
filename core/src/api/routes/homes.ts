// GET /internal/v1/homes/:pointer: the edge's question before a login when there are several regions —
// which region is this address's home? The edge sends the address's pointer (a keyed hash), never
// the address, so a region that is not the user's home learns nothing of them.
import { Hono } from "hono";
import { coreApi } from "../../../../shared/internal-api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import type { GlobalDirectory } from "../../store/global-directory.ts";
import { answer, serve } from "../serve.ts";

export function homeRoutes(deps: { global: Pick<GlobalDirectory, "homeByPointer"> | null; region: string }): Hono {
  const app = new Hono();
  serve(app, coreApi.home, async (c) => {
    const pointer = c.req.param("pointer") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(pointer)) throw new ProblemError("validation", "The pointer is not one.", { errors: [{ field: "path.pointer", message: "must be 43 base64url characters" }] });
    // One region: its own directory is the only one, and the edge does not ask.
    if (!deps.global) throw new ProblemError("notFound", `This core (region ${deps.region}) has no global directory (GLOBAL_DIRECTORY_URL).`);
    const home = await deps.global.homeByPointer([pointer]);
    if (!home) throw new ProblemError("notFound", "No region is home to that address.");
    return answer(c, coreApi.home, { region: home.region, moving: home.movingTo !== null });
  });
  return app;
}
