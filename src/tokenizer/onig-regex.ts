// Patterns of tokenizer.json (Split, Replace) are Oniguruma regexes, where \s, \d and \w are Unicode classes and
// (?i:...) scopes case-insensitivity; JavaScript differs on all of these. A pattern is rewritten into an equivalent
// JS regex (flag u), and a construct with no exact rewrite is refused by name instead of being approximated.

/** Rust's char::is_whitespace / Oniguruma's \s (Unicode White_Space), spelled out: JS's \s differs. */
export const WHITE_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WORD = '\\p{L}\\p{M}\\p{Nd}\\p{Pc}';
const DIGIT = '\\p{Nd}';

/** Characters Unicode simple case folding adds to an ASCII letter's two cases. */
const EXTRA_FOLDS: Record<string, string> = { s: '\\u017f', k: '\\u212a' };

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Compiles an Oniguruma pattern as a global Unicode JS regex with the same matches. */
export function compileOnigRegex(pattern: string, where: string): RegExp {
  let source: string;
  try {
    source = translate(pattern);
  } catch (err) {
    throw new Error(`${where}: regex ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  try {
    return new RegExp(source, 'gu');
  } catch (err) {
    throw new Error(`${where}: regex ${JSON.stringify(pattern)} is not supported (${(err as Error).message})`);
  }
}

function translate(pattern: string): string {
  let out = '';
  let inClass = false;
  // Depth of each open group, and the depth at which (?i: began (-1: case-sensitive).
  let depth = 0;
  let caseless = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const e = pattern[++i];
      if (e === undefined) throw new Error('ends with a backslash');
      out += translateEscape(e, inClass, pattern, i);
      if (e === 'p' || e === 'P') {
        const close = pattern.indexOf('}', i);
        if (pattern[i + 1] !== '{' || close < 0) throw new Error('\\p without {...} is not supported');
        out += pattern.slice(i + 1, close + 1);
        i = close;
      }
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      else if (c === '[') throw new Error('nested character classes are not supported');
      else if (caseless >= 0 && /[a-zA-Z]/.test(c))
        throw new Error('case-insensitive character classes are not supported');
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') out += pattern[++i];
      continue;
    }
    if (c === '(') {
      depth++;
      if (pattern.startsWith('(?i:', i)) {
        if (caseless < 0) caseless = depth;
        out += '(?:';
        i += 3;
        continue;
      }
      if (pattern.startsWith('(?>', i) || /^\(\?[imx-]/.test(pattern.slice(i)))
        throw new Error(`'${pattern.slice(i, i + 3)}' groups are not supported`);
      out += c;
      continue;
    }
    if (c === ')') {
      if (depth === caseless) caseless = -1;
      depth--;
      out += c;
      continue;
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && pattern[i + 1] === '+')
      throw new Error('possessive quantifiers are not supported');
    if (caseless >= 0 && /[a-zA-Z]/.test(c)) {
      const lower = c.toLowerCase();
      out += `[${lower}${lower.toUpperCase()}${EXTRA_FOLDS[lower] ?? ''}]`;
      continue;
    }
    out += c;
  }
  if (inClass) throw new Error('unterminated character class');
  return out;
}

function translateEscape(e: string, inClass: boolean, pattern: string, i: number): string {
  switch (e) {
    case 's':
      return inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`;
    case 'S':
      if (inClass) throw new Error('\\S inside a character class is not supported');
      return `[^${WHITE_SPACE}]`;
    case 'd':
      return inClass ? DIGIT : `[${DIGIT}]`;
    case 'D':
      if (inClass) throw new Error('\\D inside a character class is not supported');
      return `[^${DIGIT}]`;
    case 'w':
      return inClass ? WORD : `[${WORD}]`;
    case 'W':
      if (inClass) throw new Error('\\W inside a character class is not supported');
      return `[^${WORD}]`;
    case 'p':
    case 'P':
      return `\\${e}`;
    case '-':
      return inClass ? '\\-' : '-';
    default:
      if ('^$\\.*+?()[]{}|/'.includes(e) || 'rntfv0xu'.includes(e)) return `\\${e}`;
      if (/[^a-zA-Z0-9]/.test(e)) return e;
      throw new Error(`the escape '\\${e}' (at ${i - 1} in ${JSON.stringify(pattern)}) is not supported`);
  }
}

/**
 * Oniguruma's find_iter as Rust's Pattern sees it: [start, end, isMatch] pieces covering `text` in order. An empty
 * match advances the search by one character.
 */
export function findMatches(regex: RegExp, text: string, out: number[]): void {
  if (text.length === 0) {
    out.push(0, 0, 0);
    return;
  }
  let prev = 0;
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m; m = regex.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (prev !== start) out.push(prev, start, 0);
    out.push(start, end, 1);
    prev = end;
    if (end === start) regex.lastIndex = end + (text.codePointAt(end)! > 0xffff ? 2 : 1);
  }
  if (prev !== text.length) out.push(prev, text.length, 0);
}
