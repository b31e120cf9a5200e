// Whether a policy's resource string can name a resource of a catalogue resource type: the
// policy pack's own matcher (it replaced @cloud-copilot/iam-utils, which is AGPL-3.0 and ran
// with the pack). Both sides are patterns: the statement's resource may hold IAM's wildcards
// (`*` any run of characters, `?` one character: IAM user guide, Resource element), and the
// catalogue's ARN format holds variables (`${BucketName}`: one or more characters; a bucket name
// holds no `/`, S3's bucket naming rules, so the bucket type never takes an object's ARN). They
// match when some ARN fits both, component by component (partition, service, Region, account, resource).

type Token = { kind: 'char'; c: string } | { kind: 'one' | 'any'; noSlash?: boolean };

/** Variables whose values hold no `/`. */
const NO_SLASH_VARIABLES = new Set(['BucketName']);

/** IAM's wildcards in a policy's resource string. */
function resourceTokens(text: string): Token[] {
  return [...text].map((c): Token => (c === '*' ? { kind: 'any' } : c === '?' ? { kind: 'one' } : { kind: 'char', c }));
}

/** A catalogue format: each ${Variable} is one character or more. */
function formatTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < text.length; i++) {
    const end = text.startsWith('${', i) ? text.indexOf('}', i) : -1;
    if (end > 0) {
      const noSlash = NO_SLASH_VARIABLES.has(text.slice(i + 2, end));
      tokens.push({ kind: 'one', noSlash }, { kind: 'any', noSlash });
      i = end;
    } else tokens.push({ kind: 'char', c: text[i] });
  }
  return tokens;
}

/** Whether one character can match both tokens. */
function compatible(x: Token, y: Token): boolean {
  if (x.kind === 'char' && y.kind === 'char') return x.c === y.c;
  if (x.kind === 'char') return !(y.kind !== 'char' && y.noSlash && x.c === '/');
  if (y.kind === 'char') return !(x.noSlash && y.c === '/');
  return true;
}

/** True when some string is accepted by both token lists (a search over pairs of positions). */
function intersects(a: Token[], b: Token[]): boolean {
  const seen = new Set<number>();
  const stack: [number, number][] = [[0, 0]];
  while (stack.length) {
    const [i, j] = stack.pop()!;
    const key = i * (b.length + 1) + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    // A wildcard may stop matching here.
    if (a[i]?.kind === 'any') stack.push([i + 1, j]);
    if (b[j]?.kind === 'any') stack.push([i, j + 1]);
    // Or both consume one common character.
    if (i < a.length && j < b.length) {
      const x = a[i];
      const y = b[j];
      if (!compatible(x, y)) continue;
      stack.push([x.kind === 'any' ? i : i + 1, y.kind === 'any' ? j : j + 1]);
    }
  }
  return false;
}

/** `arn:partition:service:region:account:resource`; the resource part keeps its own colons. */
function components(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(1, 5), parts.slice(5).join(':')];
}

/** Whether `resource` (from a policy, with IAM wildcards) can name a resource of the ARN `format` (with ${Variables}). */
export function resourceMatchesFormat(resource: string, format: string): boolean {
  if (resource === '*') return true;
  const r = components(resource);
  const f = components(format);
  if (!r || !f) return false;
  return r.every((part, k) => {
    const pattern = f[k];
    // An empty component (IAM's ARNs name no Region) matches only an empty one.
    if (part === '' || pattern === '') return part === pattern;
    return intersects(resourceTokens(part), formatTokens(pattern));
  });
}
