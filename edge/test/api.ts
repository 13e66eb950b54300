// Calls into the worker under test (SELF), as a client would.
import { SELF } from "cloudflare:test";
import type { LoginResponse } from "../../shared/api.ts";

export const BASE = "http://edge.test";

export function api(path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return SELF.fetch(`${BASE}${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}

export async function login(address: string, password: string): Promise<string> {
  const res = await api("/api/v1/auth/login", { method: "POST", json: { address, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as LoginResponse).token;
}
