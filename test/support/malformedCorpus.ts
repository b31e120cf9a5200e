// The malformed-message corpus: one message per way a body can be unreadable or
// hold invalid events. The event-path test runs it through the source consumer and
// the archive tests through the shipped consumer archives, with the same answers.
import { encodeChunk } from '../../kernel/packing';

/** A valid sale line for 2026-11-28 01:00 (catalog ids P0001 and S001). */
export const goodSale = {
  transaction_id: 'T-x-0',
  product_id: 'P0001',
  timestamp: '2026-11-28T01:00:00Z',
  quantity: 1,
  unit_price: 5,
  store_id: 'S001',
  basket_id: 'B-x',
  discount_pct: 0,
};

/** Bodies for the sales queue; `tooLarge` is over 200,000 bytes (the limit the tests give the consumer or the queue). */
export function malformedCorpus(): Record<'invalidJson' | 'tooLarge' | 'wrongStream' | 'mixed', string> {
  const good = goodSale;
  return {
    invalidJson: '{"v":1,"stream":"sales",',
    // A complete, well-formed chunk, but larger than this consumer accepts (200,000 bytes below).
    tooLarge: encodeChunk(
      'sales',
      'huge-1',
      Array.from({ length: 1200 }, (_, i) => JSON.stringify({ ...good, transaction_id: `T-big-${i}` })),
      'none',
    ),
    wrongStream: encodeChunk('inventory', 'misrouted-1', [], 'none'),
    mixed: encodeChunk(
      'sales',
      'mixed-1',
      [
        good,
        { ...good, transaction_id: 'T-x-1', quantity: 0 },
        { ...good, transaction_id: 'T-x-2', quantity: -2 },
        { ...good, transaction_id: 'T-x-3', product_id: 'P9999', store_id: 'S999' },
        { ...good, transaction_id: 'T-x-4', unit_price: 'free' },
        { transaction_id: 'T-x-5' },
        { ...good },
      ].map((e) => JSON.stringify(e)),
      'none',
    ),
  };
}
