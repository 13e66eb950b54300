// Password check for the edge's login: the directory is the core's, so the core verifies the
// password and tells the edge who the user is and where they live. The edge issues the token.
import { Hono } from "hono";
import { LoginRequest, type UserIdentity } from "../../../../shared/api.ts";
import { normalizeAddress } from "../../../../shared/address.ts";
import { verifyPassword } from "../../../../shared/password.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import type { Directory } from "../../store/directory.ts";
import { parseBody } from "../validate.ts";

// Verifying against a fixed hash when the address is unknown takes as long as for a real user,
// so response time does not reveal which addresses exist.
const DUMMY_HASH = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export function authRoutes(deps: { directory: Directory }): Hono {
  const app = new Hono();
  app.post("/login", async (c) => {
    const { address, password } = parseBody(c, LoginRequest);
    const user = await deps.directory.userByAddress(normalizeAddress(address)!);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw new ProblemError("unauthorized", "Wrong address or password.");
    const identity: UserIdentity = { id: user.id, address: user.address, region: user.region };
    return c.json(identity);
  });
  return app;
}
