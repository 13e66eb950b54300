// Runs a checked script against one message and says what to do with it, following RFC 5228 §2.10:
// the implicit keep holds unless a discard, a fileinto or a redirect (without :copy, RFC 3894) cancels
// it; an explicit keep is an action of its own; the same fileinto or redirect twice is done once; `stop`
// ends the run. A runtime failure (too many redirects, too much matching) keeps the message and drops
// every other action (§2.10.6), so a broken script never loses or forwards mail.
import addressparser from "nodemailer/lib/addressparser";
import { FlagSet, splitFlags } from "./flags.ts";
import { sieveLimits } from "./limits.ts";
import { MatchBudget, matchesAny, SieveRuntimeError } from "./match.ts";
import type { AddressPart, Command, SieveScript, Test, VacationCommand } from "./script.ts";

export interface SieveMessage {
  /** Every value of the header (case-insensitive name), unfolded and RFC 2047-decoded; [] when absent. */
  header(name: string): string[];
  /** SMTP MAIL FROM ("" for the null sender <>) and the RCPT TO that delivered to this user. */
  envelope: { from: string; to: string };
  size: number;
  /** The message's text as a reader sees it (text/plain parts, or HTML turned into text). */
  bodyText(): string;
  /** The body undecoded, MIME boundaries included (RFC 5173 :raw); bodyText() stands in when absent. */
  rawBody?(): string;
}

export type VacationAction = Omit<VacationCommand, "type">;

export interface SieveOutcome {
  /** File into the inbox with these flags; null when neither an explicit nor the implicit keep holds. */
  keep: null | { flags: string[] };
  /** Further folders to file into (never "INBOX": that is the keep). */
  fileinto: { folder: string; flags: string[] }[];
  redirect: { address: string }[];
  /** The script ran `discard`. Storing follows `keep` and `fileinto` alone; this says why nothing was stored. */
  discard: boolean;
  vacation: null | VacationAction;
  /** Set when the script failed while running; the outcome is then the plain implicit keep. */
  error: string | null;
}

export function runSieve(script: SieveScript, msg: SieveMessage, budget = new MatchBudget()): SieveOutcome {
  const run = new Run(msg, budget);
  try {
    run.commands(script.commands);
  } catch (error) {
    if (error instanceof SieveRuntimeError) {
      return { keep: { flags: [] }, fileinto: [], redirect: [], discard: false, vacation: null, error: error.message };
    }
    throw error;
  }
  return run.outcome();
}

class Run {
  private readonly msg: SieveMessage;
  private readonly budget: MatchBudget;
  /** RFC 5232's internal variable: the flags keep and fileinto use when they have no :flags. */
  private readonly flags = new FlagSet();
  private implicitKeep = true;
  private keep: FlagSet | null = null;
  private readonly folders = new Map<string, { folder: string; flags: FlagSet }>();
  private readonly redirects = new Map<string, string>();
  private discarded = false;
  private vacation: VacationAction | null = null;
  private body: string | null = null;

  constructor(msg: SieveMessage, budget: MatchBudget) {
    this.msg = msg;
    this.budget = budget;
  }

  outcome(): SieveOutcome {
    const keep = this.keep ?? (this.implicitKeep ? this.flags : null);
    return {
      keep: keep ? { flags: keep.list() } : null,
      fileinto: [...this.folders.values()].map(({ folder, flags }) => ({ folder, flags: flags.list() })),
      redirect: [...this.redirects.values()].map((address) => ({ address })),
      discard: this.discarded,
      vacation: this.vacation,
      error: null,
    };
  }

  /** Runs the commands in order; true once `stop` has run, which ends the whole script. */
  commands(list: Command[]): boolean {
    return list.some((command) => this.command(command));
  }

  private flagsFor(explicit: string[] | null): FlagSet {
    return new FlagSet(explicit ?? this.flags.list());
  }

  private fileKeep(flags: FlagSet): void {
    if (this.keep) this.keep.add(flags.list());
    else this.keep = flags;
  }

  private command(command: Command): boolean {
    switch (command.type) {
      case "if": {
        const branch = command.branches.find((b) => this.test(b.test));
        const block = branch ? branch.block : command.otherwise;
        return block ? this.commands(block) : false;
      }
      case "stop":
        return true;
      case "keep":
        this.fileKeep(this.flagsFor(command.flags));
        break;
      case "discard":
        this.discarded = true;
        this.implicitKeep = false;
        break;
      case "fileinto": {
        if (!command.copy) this.implicitKeep = false;
        const flags = this.flagsFor(command.flags);
        // RFC 5228 §4.3: keep is filing into the inbox, so fileinto "INBOX" is the same action.
        if (command.folder.toUpperCase() === "INBOX") {
          this.fileKeep(flags);
          break;
        }
        const existing = this.folders.get(command.folder);
        if (existing) {
          existing.flags.add(flags.list());
          break;
        }
        if (this.folders.size >= sieveLimits.maxFileinto) throw new SieveRuntimeError(`more than ${sieveLimits.maxFileinto} fileinto folders`);
        this.folders.set(command.folder, { folder: command.folder, flags });
        break;
      }
      case "redirect": {
        if (!command.copy) this.implicitKeep = false;
        const key = command.address.toLowerCase();
        if (this.redirects.has(key)) break;
        if (this.redirects.size >= sieveLimits.maxRedirects) throw new SieveRuntimeError(`more than ${sieveLimits.maxRedirects} redirects`);
        this.redirects.set(key, command.address);
        break;
      }
      case "setflag":
        this.flags.clear();
        this.flags.add(command.flags);
        break;
      case "addflag":
        this.flags.add(command.flags);
        break;
      case "removeflag":
        this.flags.remove(command.flags);
        break;
      case "vacation": {
        if (this.vacation) throw new SieveRuntimeError("vacation ran twice");
        const { type: _type, ...action } = command;
        this.vacation = action;
        break;
      }
    }
    return false;
  }

  private test(test: Test): boolean {
    switch (test.type) {
      case "true":
        return true;
      case "false":
        return false;
      case "not":
        return !this.test(test.test);
      case "allof":
        return test.tests.every((t) => this.test(t));
      case "anyof":
        return test.tests.some((t) => this.test(t));
      case "exists":
        return test.headers.every((name) => this.msg.header(name).length > 0);
      case "size":
        return test.over ? this.msg.size > test.limit : this.msg.size < test.limit;
      case "header":
        return matchesAny(test.headers.flatMap((name) => this.msg.header(name)), test.matcher, this.budget);
      case "address": {
        const values = test.headers.flatMap((name) => this.msg.header(name)).flatMap((value) => headerAddresses(value, test.part));
        return matchesAny(values, test.matcher, this.budget);
      }
      case "envelope": {
        // RFC 5228 §5.4: the null reverse-path matches as "" whatever the address part.
        const values = test.fields.map((field) => this.msg.envelope[field]).map((address) => (address === "" ? "" : addressPart(address, test.part)));
        return matchesAny(values, test.matcher, this.budget);
      }
      case "body":
        return matchesAny(this.bodyFor(test.transform), test.matcher, this.budget);
      case "hasflag":
        return matchesAny(this.flags.list(), { ...test.matcher, keys: splitFlags(test.matcher.keys) }, this.budget);
    }
  }

  /**
   * RFC 5173: :text and :raw read the whole body; :content reads the text parts only (the message's text
   * stands for them), so a :content list without "text" or "" (any type) never matches.
   */
  private bodyFor(transform: Extract<Test, { type: "body" }>["transform"]): string[] {
    if (transform.type === "raw") return [(this.msg.rawBody ?? this.msg.bodyText).call(this.msg).slice(0, sieveLimits.maxBodyChars)];
    if (transform.type === "content" && !transform.contentTypes.some((t) => t === "" || /^text(\/|$)/i.test(t))) return [];
    this.body ??= this.msg.bodyText().slice(0, sieveLimits.maxBodyChars);
    return [this.body];
  }
}

function headerAddresses(value: string, part: AddressPart): string[] {
  return addressparser(value, { flatten: true })
    .map((a) => a.address)
    .filter((address) => address !== "")
    .map((address) => addressPart(address, part));
}

function addressPart(address: string, part: AddressPart): string {
  if (part === "all") return address;
  const at = address.lastIndexOf("@");
  if (part === "localpart") return at < 0 ? address : address.slice(0, at);
  return at < 0 ? "" : address.slice(at + 1);
}
