// Time formats the pipeline writes in more than one place, defined once.

/** `2026-11-27T06:00:00Z`: an instant to the second, the form of every event timestamp and window start. */
export function isoSecond(time: number | Date): string {
  return new Date(time).toISOString().slice(0, 19) + 'Z';
}

/** `20261127T060000`: an ISO instant without separators, as window tags and chunk ids carry it. */
export function compactTime(iso: string): string {
  return iso.slice(0, 19).replace(/[-:]/g, '');
}
