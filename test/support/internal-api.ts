// Calls a core's internal API the way the edge does: every request signed with the test secret.
import { signRequest } from "../../shared/signing.ts";
import { TEST_SECRET } from "./temp-core.ts";

export function internalApi(port: number) {
  return async function call(method: string, path: string, body?: unknown): Promise<Response> {
    const payload = body === undefined ? "" : JSON.stringify(body);
    const headers = await signRequest(TEST_SECRET, `http://127.0.0.1:${port}`, { method, pathAndQuery: path, body: payload });
    return fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : payload,
    });
  };
}
