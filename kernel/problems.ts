// Every check in the pipeline reports all that is wrong at once, not the first thing: a user fixes a
// config, an event or a flag in one go. This is the one collector those checks share.

export class Problems {
  private readonly list: string[] = [];

  /** Records `message` (a function, so it is built only when needed) unless `ok`. */
  check(ok: boolean, message: string | (() => string)): this {
    if (!ok) this.list.push(typeof message === 'function' ? message() : message);
    return this;
  }

  /** Records `${name} must be a whole number min..max, got value` unless `value` is one. */
  whole(name: string, value: unknown, min: number, max: number): this {
    const ok = Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
    return this.check(ok, () => `${name} must be a whole number ${min}..${max}, got ${value}`);
  }

  add(...messages: string[]): this {
    this.list.push(...messages);
    return this;
  }

  get all(): readonly string[] {
    return this.list;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws one error naming every problem, as `${what}: a; b; c`, if there is any. */
  throwIfAny(what: string, make: (message: string) => Error = (m) => new RangeError(m)): void {
    if (this.list.length > 0) throw make(`${what}: ${this.list.join('; ')}`);
  }
}

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[y.length];
}

/**
 * The candidate a typo most likely meant, for "did you mean": the same letters in another case, else
 * the nearest within a third of its letters (at least one edit), else one it is a prefix of or starts with.
 * The one closest match of the config keys, the stack names and the twin's flags.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same) return same;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best ?? candidates.find((c) => c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase()));
}
