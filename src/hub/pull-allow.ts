// Which model ids may be pulled from the Hub on first use: EDGECLASS_PULL_ALLOW, a comma-separated list of ids and
// patterns. `*` matches within one segment of an id (`sentence-transformers/*`, `bert-*`), `**` matches any id.
// Empty (the default): none, so that no anonymous request makes the server download anything.

export type PullAllowList = (modelId: string) => boolean;

export const ALLOW_NONE: PullAllowList = () => false;

export function parsePullAllowList(spec: string | readonly string[] | undefined): PullAllowList {
  const patterns = (typeof spec === 'string' ? spec.split(',') : (spec ?? []))
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (patterns.length === 0) return ALLOW_NONE;
  const regExps = patterns.map(patternToRegExp);
  return (modelId) => regExps.some((re) => re.test(modelId));
}

function patternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (pattern[i] === '*') {
      source += '[^/]*';
    } else {
      source += pattern[i].replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
