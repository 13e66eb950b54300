// Attachment uploads: XMLHttpRequest rather than fetch, because only it reports upload progress.
// The raw file is the body (POST /attachments?filename=…); the answer's id goes into the send.
import type { UploadedAttachment } from "../../../shared/api.ts";
import type { Problem } from "../../../shared/problem.ts";
import { endSession, session } from "../api/session.ts";
import { size } from "../ui/format.ts";

export class UploadError extends Error {}

function reason(status: number, problem: Problem | null, file: { name: string; size: number }): string {
  if (status === 413) return `${file.name} (${size(file.size)}) is too large to attach. ${problem?.detail ?? ""} Share a link to it instead.`.replace(/\s+/g, " ");
  if (status === 422) return `${file.name} was refused: the virus scanner found something harmful in it.`;
  if (status === 429) return "Too many uploads just now. Wait a moment, then retry.";
  if (status >= 500) return `The mail service could not store ${file.name} (${status}). Retry in a moment.`;
  return problem?.detail ?? problem?.title ?? `The upload of ${file.name} failed (${status}).`;
}

export function upload(file: Blob, filename: string, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<UploadedAttachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/attachments?filename=${encodeURIComponent(filename)}`);
    const token = session.value?.token;
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status === 201 || xhr.status === 200) return resolve(xhr.response as UploadedAttachment);
      if (xhr.status === 401) endSession("Your session has ended. Sign in again; what you were writing is kept.");
      const problem = xhr.response && typeof xhr.response.title === "string" ? (xhr.response as Problem) : null;
      reject(new UploadError(reason(xhr.status, problem, { name: filename, size: file.size })));
    };
    xhr.onerror = () => reject(new UploadError(`${filename} was not uploaded: the network is not reachable. Retry when you are back online.`));
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(file);
  });
}
