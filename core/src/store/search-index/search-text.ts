// Text as the search index sees it, for writing (toIndexText) and for the queries of search/
// (toFtsPhrase), which must cut text exactly as the index did. FTS5's unicode61 tokenizer splits
// words at spaces and punctuation, which finds nothing inside Korean, Japanese or Chinese sentences
// (no spaces between words; Korean glues particles to words). So before text goes into the index,
// every run of characters of those scripts (and of Thai, Lao, Khmer and Myanmar, which have no
// spaces either) becomes its overlapping bigrams plus its last character alone:
// 프로젝트일정 → 프로 로젝 젝트 트일 일정 정. A query term gets the same treatment and becomes a phrase
// of its bigrams, so `일정` (one bigram) finds 프로젝트일정, and two-syllable words such as 회의 match
// — a trigram index could not. A one-character term is a prefix query ("정" * finds the bigrams that start with it and
// the run's last character).
// Both sides are NFKC-normalized first (full-width Latin, half-width katakana, composed accents);
// case and accents are folded by the tokenizer itself (unicode61 remove_diacritics 2).

/** The tokenizer every index column uses; marks (M*) are word characters so that Thai, Devanagari
 * and other scripts with combining vowel signs keep their words whole. */
export const FTS_TOKENIZER = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'";

const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\u3005\u30fc\uff70]+/gu;

/** A word character for the tokenizer (its `categories`): text without one has no terms. */
const WORD_CHAR = /[\p{L}\p{N}\p{Co}\p{M}]/u;

function bigramsOf(run: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < run.length; i++) out.push(run[i]! + run[i + 1]!);
  return out;
}

/** Text for an index column: unspaced runs replaced by their bigrams and last character. */
export function toIndexText(text: string): string {
  return text.normalize("NFKC").replace(UNSPACED, (run) => {
    const chars = [...run];
    return ` ${[...bigramsOf(chars), chars.at(-1)!].join(" ")} `;
  });
}

/** A query word or phrase as an FTS5 phrase (quoted, so no word in it is an operator), or null when
 * it has no word characters at all (punctuation only), which matches everything. The pieces keep
 * their order: within a phrase, a run followed by more words also gives its last character, as the
 * index has it, so that the positions line up. */
export function toFtsPhrase(value: string): string | null {
  const text = value.normalize("NFKC");
  if (!WORD_CHAR.test(text)) return null;
  const pieces: string[] = [];
  let prefix = false;
  let from = 0;
  const runs = [...text.matchAll(UNSPACED)];
  runs.forEach((m, i) => {
    pieces.push(text.slice(from, m.index));
    from = m.index + m[0].length;
    const chars = [...m[0]];
    const last = i === runs.length - 1 && !WORD_CHAR.test(text.slice(from));
    if (chars.length === 1) {
      pieces.push(chars[0]!);
      prefix = last;
    } else pieces.push(...bigramsOf(chars), ...(last ? [] : [chars.at(-1)!]));
  });
  pieces.push(text.slice(from));
  const phrase = `"${pieces.join(" ").replace(/\s+/g, " ").trim().replaceAll('"', '""')}"`;
  return prefix ? `${phrase} *` : phrase;
}
