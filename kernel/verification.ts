// Verification rows: what `npm run verify` sends through a deployed stack. They carry a
// reserved store that every view leaves out, so a verification moves no analyst's number,
// needs no delete and nobody's write access to the facts. Their windows lie a century
// before the run: no sale is ever generated there, and each run gets a window (and so
// landing keys) of its own, which matters because auto-copy loads a file name once.
import { VERIFICATION_STORE, type Store } from './contracts';

/** How far before the run a verification window lies. */
export const VERIFICATION_YEARS_BACK = 100;

/** Sale lines of a verification window when the invocation names no count: small, and enough to see both streams. */
export const VERIFICATION_SALE_LINES = 40;

/** The `scheduledTime` of the verification window for a run at `now`: the same instant, a century back. */
export function verificationScheduledTime(now: Date | number): string {
  const at = new Date(typeof now === 'number' ? now : now.getTime());
  at.setUTCFullYear(at.getUTCFullYear() - VERIFICATION_YEARS_BACK);
  return at.toISOString().slice(0, 19) + 'Z';
}

/** The stores of the dims: the catalog's, and the verification store after them. */
export function withVerificationStore(stores: readonly Store[]): Store[] {
  if (stores.some((s) => s.store_id === VERIFICATION_STORE.store_id))
    throw new Error(`store id ${VERIFICATION_STORE.store_id} is reserved for verification rows`);
  return [...stores, VERIFICATION_STORE];
}
