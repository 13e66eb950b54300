// Calls into the worker under test (SELF), as a client would.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import type { z } from "zod";
import type { LoginResponse } from "../../shared/api.ts";

export const BASE = "http://edge.test";

/** A client address of its own (IPv6 documentation range), as Cloudflare's `cf-connecting-ip` gives it:
 * in a /64 of its own too, since the core counts failed logins per /64 (one subscriber's). */
export function clientIp(): string {
  const [a, b] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${a!.toString(16)}:${b!.toString(16)}::1`;
}

export function api(path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  // Each call comes from its own address unless the test names one, so the per-IP login limit only
  // stops the tests that mean to reach it.
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", clientIp());
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return SELF.fetch(`${BASE}${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}

export async function login(address: string, password: string): Promise<string> {
  const res = await api("/api/v1/auth/login", { method: "POST", json: { address, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as LoginResponse).token;
}

/** The answer has `status` and a body the API's own zod schema reads back unchanged (the contract). */
export async function conforms<S extends z.ZodType>(res: Response, schema: S, status = 200): Promise<z.infer<S>> {
  expect(res.status, await res.clone().text()).toBe(status);
  const body: unknown = await res.json();
  const parsed = schema.safeParse(body);
  expect(parsed.error?.issues ?? []).toEqual([]);
  expect(parsed.data).toEqual(body);
  return parsed.data as z.infer<S>;
}
