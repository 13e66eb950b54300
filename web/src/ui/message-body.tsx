// A message's content in the reader: warnings about it first (spoofed sender, spam, dangerous
// attachments), then the body — HTML in a sandboxed frame (its code loads with the first HTML mail),
// else the plain text — then the attachments.
import { lazy, Suspense } from "preact/compat";
import { useMemo } from "preact/hooks";
import type { Message } from "../../../shared/api.ts";
import { contentIdsIn, normalizeContentId } from "../mail/content-id.ts";
import { AttachmentList } from "./attachment-list.tsx";
import { MessageBanners } from "./message-banners.tsx";
import { MessageText } from "./message-text.tsx";

const MessageHtml = lazy(() => import("./message-html.tsx"));

export function MessageBody({ message }: { message: Message }) {
  // Inline parts the HTML shows in place are not listed again as attachments.
  const shownInline = useMemo(() => contentIdsIn(message.html ?? ""), [message.html]);
  const listed = message.attachments.filter((a) => !(a.contentId && shownInline.has(normalizeContentId(a.contentId))));
  return (
    <>
      <MessageBanners message={message} />
      {message.html ? (
        <Suspense fallback={<p class="loading">Loading the message…</p>}>
          <MessageHtml message={message} />
        </Suspense>
      ) : (
        <MessageText text={message.text ?? ""} />
      )}
      {listed.length > 0 && <AttachmentList messageId={message.id} attachments={listed} />}
    </>
  );
}
