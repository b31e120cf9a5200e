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
