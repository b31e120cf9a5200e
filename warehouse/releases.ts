// The frozen releases: each one's rendered migrations, both dialects, as a stack deployed
// from it applied them (warehouse/releases/<version>.json, written once by
// tools/freezeRelease.ts on the release's commit and never edited). The versioned migrations
// of a release are taken from here, as text, never rendered again from the live model: a view
// or a column added later cannot change what a deployed warehouse already applied.
import release010 from './releases/0.1.0.json';
import type { Dialect } from './schema';
import type { Migration } from './migration';

export interface FrozenRelease {
  readonly version: string;
  /** The commit it was frozen from. */
  readonly commit: string;
  /** What the target-dependent repeatables were rendered with (placeholders, a small catalog). */
  readonly renderedWith: {
    readonly redshiftTarget: { copyRoleArn: string; bucket: string; region: string };
    readonly catalog: { seed: number; products: number; stores: number };
  };
  readonly dialects: Readonly<Record<Dialect, readonly Migration[]>>;
}

/** Every frozen release, oldest first. A new release appends its file here. */
export const releases: readonly FrozenRelease[] = [release010 as FrozenRelease];

/** The versioned migrations a release applied in one dialect, as frozen. */
export function releasedVersioned(release: FrozenRelease, dialect: Dialect): Migration[] {
  return release.dialects[dialect].filter((m) => !m.repeatable);
}
