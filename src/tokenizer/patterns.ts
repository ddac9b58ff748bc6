// The pattern of Split and Replace: {"String": literal} or {"Regex": Oniguruma pattern}.
import { compileOnigRegex, escapeRegExp } from './onig-regex.ts';

export function patternRegex(pattern: unknown, where: string): RegExp {
  const p = pattern as { String?: unknown; Regex?: unknown } | null;
  if (p && typeof p.String === 'string') return new RegExp(escapeRegExp(p.String), 'gu');
  if (p && typeof p.Regex === 'string') return compileOnigRegex(p.Regex, where);
  throw new Error(`${where}: pattern must be {"String": ...} or {"Regex": ...}`);
}
