// Attachments that can run code when opened, by name and by content, the way Gmail judges them:
// programs and scripts (by extension, and by their first bytes whatever the name), Office documents
// with macros, names built to hide the real extension, and zip archives that list a program.
// A verdict, not a policy: the caller decides whether to refuse, quarantine or warn.
import { ole2EntryNames } from "./formats/ole2-listing.ts";
import { zipListing } from "./formats/zip-listing.ts";

export type AttachmentRiskReason = "executable" | "macro-document" | "double-extension" | "misleading-name" | "archive-with-executable";

export interface AttachmentRisk {
  reason: AttachmentRiskReason;
  /** One sentence for the recipient or the sender's bounce; names in it have control characters escaped. */
  detail: string;
}

export interface Attachment {
  filename?: string | null;
  contentType?: string | null;
  bytes: Uint8Array;
}

// Gmail's list of blocked file types (support.google.com/mail/answer/6590): each runs code on Windows,
// macOS or Android when opened, or is a disk image or package that does.
const BLOCKED_EXTENSIONS = new Set(
  ("ade adp apk appx appxbundle bat cab chm cmd com cpl diagcab diagcfg diagpack dll dmg ex ex_ exe hta img ins iso isp jar jnlp js jse lib lnk " +
    "mde mjs msc msi msix msixbundle msp mst nsh pif ps1 scr sct shb sys vb vbe vbs vhd vxd wsc wsf wsh xll").split(" "),
);

// Office formats that exist to carry macros (the "m" OOXML types and their templates and add-ins).
const MACRO_EXTENSIONS = new Set("docm dotm xlsm xltm xlam pptm potm ppam ppsm sldm".split(" "));

// What a double extension pretends to be: the file types people open without a second thought.
const DECOY_EXTENSIONS = new Set(
  "pdf doc docx xls xlsx ppt pptx odt ods odp rtf txt csv htm html xml eml msg jpg jpeg png gif bmp tif tiff heic svg mp3 mp4 m4a wav avi mov mkv zip rar 7z gz".split(" "),
);

// Declared types that say "this is a program" outright.
const EXECUTABLE_TYPES = new Set([
  "application/x-msdownload",
  "application/x-msdos-program",
  "application/x-ms-dos-executable",
  "application/x-dosexec",
  "application/vnd.microsoft.portable-executable",
  "application/x-executable",
  "application/x-mach-binary",
  "application/x-msi",
  "application/x-ms-installer",
  "application/x-ms-shortcut",
  "application/hta",
  "application/java-archive",
  "application/x-java-archive",
  "application/vnd.android.package-archive",
]);

// Explicit bidirectional controls (embeddings, overrides, isolates): they reorder how the rest of a
// name is displayed, so "invoice\u202Efdp.exe" shows as "invoiceexe.pdf". Names have no use for them.
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

// Entries of an OLE2 file that only a VBA project has ("Macros" in Word, "_VBA_PROJECT_CUR" in Excel).
const VBA_ENTRIES = new Set(["vba", "_vba_project", "_vba_project_cur", "macros"]);

export function attachmentRisk(attachment: Attachment): AttachmentRisk | null {
  const name = baseName(attachment.filename ?? "");
  return nameRisk(name) ?? contentRisk(attachment.bytes, name) ?? declaredTypeRisk(attachment.contentType, name);
}

function nameRisk(name: string): AttachmentRisk | null {
  if (!name) return null;
  const bidi = BIDI_CONTROLS.exec(name);
  if (bidi) {
    const code = `U+${bidi[0].codePointAt(0)!.toString(16).toUpperCase()}`;
    const real = extensionsOf(name).at(-1);
    return { reason: "misleading-name", detail: `${quote(name)} holds the invisible control ${code}, which changes how the rest of the name is displayed${real ? `; it really ends in ${quote(`.${real}`)}` : ""}` };
  }
  const extensions = extensionsOf(name);
  const last = extensions.at(-1);
  if (!last) return null;
  const before = extensions.at(-2);
  if (BLOCKED_EXTENSIONS.has(last) && before !== undefined && DECOY_EXTENSIONS.has(before)) {
    return { reason: "double-extension", detail: `${quote(name)} looks like a .${before} file but is a .${last} file, which can run code when opened` };
  }
  if (BLOCKED_EXTENSIONS.has(last)) return { reason: "executable", detail: `${quote(name)} is a .${last} file, which can run code when opened` };
  if (MACRO_EXTENSIONS.has(last)) return { reason: "macro-document", detail: `${quote(name)} is a macro-enabled Office document (.${last})` };
  return null;
}

function contentRisk(bytes: Uint8Array, name: string): AttachmentRisk | null {
  const called = name ? quote(name) : "the attachment";
  const program = executableKind(bytes);
  if (program) return { reason: "executable", detail: `${called} is ${program}, whatever its name says` };

  const ole2 = ole2EntryNames(bytes);
  if (ole2?.some((entry) => VBA_ENTRIES.has(entry.toLowerCase()))) {
    return { reason: "macro-document", detail: `${called} is an Office document with VBA macros` };
  }

  const zip = zipListing(bytes);
  if (!zip) return null;
  const entries = zip.names.filter((entry) => !entry.endsWith("/"));
  // OOXML (docx, xlsx, pptx) is a zip: macros live in a vbaProject.bin part, Excel 4.0 macros in macrosheets.
  const macroPart = entries.find((entry) => /(^|\/)vbaProject\.bin$/i.test(entry) || /^xl\/macrosheets\//i.test(entry));
  if (macroPart) return { reason: "macro-document", detail: `${called} is an Office document with macros (${quote(macroPart)})` };
  for (const entry of entries) {
    const risk = nameRisk(baseName(entry));
    if (risk && risk.reason !== "macro-document") {
      return { reason: "archive-with-executable", detail: `${called} is an archive holding ${quote(entry)}: ${risk.detail}` };
    }
  }
  return null;
}

function declaredTypeRisk(contentType: string | null | undefined, name: string): AttachmentRisk | null {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const called = name ? quote(name) : "the attachment";
  if (EXECUTABLE_TYPES.has(type)) return { reason: "executable", detail: `${called} is declared as a program (${type})` };
  if (type.includes("macroenabled")) return { reason: "macro-document", detail: `${called} is declared as a macro-enabled Office document (${type})` };
  return null;
}

/** What kind of program the first bytes say this is, or null. */
function executableKind(bytes: Uint8Array): string | null {
  const at = (i: number) => bytes[i] ?? -1;
  const startsWith = (...sig: number[]) => sig.every((b, i) => at(i) === b);
  if (startsWith(0x4d, 0x5a) && bytes.length >= 0x40) {
    // "MZ" alone is two letters a text file may start with; a PE program also has "PE\0\0" where the
    // DOS header points.
    const pe = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0x3c, true);
    if (pe + 4 <= bytes.length && at(pe) === 0x50 && at(pe + 1) === 0x45 && at(pe + 2) === 0 && at(pe + 3) === 0) return "a Windows program (PE)";
  }
  if (startsWith(0x7f, 0x45, 0x4c, 0x46)) return "a Linux/Unix program (ELF)";
  if (startsWith(0xfe, 0xed, 0xfa, 0xce) || startsWith(0xfe, 0xed, 0xfa, 0xcf) || startsWith(0xce, 0xfa, 0xed, 0xfe) || startsWith(0xcf, 0xfa, 0xed, 0xfe)) return "a macOS program (Mach-O)";
  if (startsWith(0xca, 0xfe, 0xba, 0xbe)) {
    // Shared by universal Mach-O binaries (a small architecture count follows) and Java classes (a version).
    return (at(4) << 24) + (at(5) << 16) + (at(6) << 8) + at(7) < 32 ? "a macOS program (universal Mach-O)" : "a Java class";
  }
  if (startsWith(0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00)) return "a Windows shortcut (.lnk)";
  if (startsWith(0x23, 0x21) && /^#!\s*\//.test(new TextDecoder("latin1").decode(bytes.subarray(0, 64)))) return "a script (#!)";
  return null;
}

/** The file name without any directory part a sender or an archive put in front of it. */
function baseName(path: string): string {
  return path.split(/[\\/]/).at(-1) ?? "";
}

/** Lowercased extensions, last one last. Windows ignores trailing dots and spaces, so "a.exe. " is an
 * .exe; spaces padding a decoy ("a.pdf      .exe") are dropped too. */
function extensionsOf(name: string): string[] {
  const parts = name.replace(/[. ]+$/, "").split(".");
  return parts.slice(1).map((part) => part.trim().toLowerCase());
}

function quote(text: string): string {
  return JSON.stringify(text).replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}
