// An HTML mail: sanitized (mail/sanitize.ts), inline images filled in, remote images hidden until
// the reader shows them — for this message, or always for a sender whose domain proved it sent it.
// Loaded with the first HTML mail opened (DOMPurify is not needed for the first screen).
import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import type { Message } from "../../../shared/api.ts";
import { ApiError, describeError } from "../api/client.ts";
import { loadInlineImages, loadRemoteImages } from "../mail/images.ts";
import { sanitizeHtml, type ImageMap } from "../mail/sanitize.ts";
import { isTrustedSender, trustSender } from "../mail/trusted-senders.ts";
import { toast, toastError } from "../state/toasts.ts";
import { person } from "./format.ts";
import { MessageFrame } from "./message-frame.tsx";


type RemoteState = "hidden" | "loading" | "shown";

export default function MessageHtml({ message }: { message: Message }) {
  const images = useSignal<ImageMap>(new Map());
  const remote = useSignal<RemoteState>("hidden");
  const failed = useSignal(0);
  const html = message.html ?? "";
  const result = useMemo(() => sanitizeHtml(html, images.value), [html, images.value]);
  const latest = useRef(result);
  latest.current = result;
  const sender = message.from?.address ?? null;
  // Trusting a sender is only safe when the From address is proven: else anyone could claim it.
  const senderProven = message.authentication === null || message.authentication.senderVerified;

  const addImages = (more: Map<string, string>) => {
    if (more.size) images.value = new Map([...images.value, ...more]);
  };

  const abort = useRef(new AbortController());
  async function showRemote() {
    remote.value = "loading";
    try {
      const loaded = await loadRemoteImages(latest.current.remoteUrls, abort.current.signal);
      addImages(loaded.images);
      failed.value = loaded.failed;
      remote.value = "shown";
    } catch (e) {
      if (abort.current.signal.aborted) return;
      remote.value = "hidden";
      toastError(`The images could not be loaded: ${describeError(e)}`);
    }
  }

  async function alwaysShow(address: string) {
    try {
      await trustSender(address);
      toast(`Images from ${address} will always be shown.`);
    } catch (e) {
      const why = e instanceof ApiError && e.status === 404 ? "this server cannot remember senders yet" : describeError(e);
      toastError(`${address} could not be remembered (${why}). Images are shown for this message only.`);
    }
    await showRemote();
  }

  useEffect(() => {
    const controller = new AbortController();
    abort.current = controller;
    const { contentIds, blockedRemote } = result;
    if (contentIds.length) {
      loadInlineImages(message, contentIds, controller.signal).then(addImages, () => {});
    }
    if (blockedRemote > 0 && sender && senderProven) {
      void isTrustedSender(sender).then((trusted) => {
        if (trusted && !controller.signal.aborted) void showRemote();
      });
    }
    return () => controller.abort();
  }, [message.id, html]);

  const { blockedRemote } = result;
  return (
    <>
      {blockedRemote > 0 && remote.value !== "shown" && (
        <div class="remote-bar" role="region" aria-label="Hidden images">
          {remote.value === "loading" ? (
            <span>Loading images…</span>
          ) : (
            <>
              <span>Images are hidden to protect your privacy.</span>
              <button type="button" onClick={() => void showRemote()}>
                Show images
              </button>
              {sender && senderProven && (
                <button type="button" onClick={() => void alwaysShow(sender)}>
                  Always show from {sender}
                </button>
              )}
            </>
          )}
        </div>
      )}
      {remote.value === "shown" && failed.value > 0 && (
        <p class="banner-quiet">
          {failed.value === 1 ? "1 image" : `${failed.value} images`} could not be loaded.
        </p>
      )}
      <MessageFrame html={result.html} title={`Message from ${person(message.from)}`} />
    </>
  );
}
