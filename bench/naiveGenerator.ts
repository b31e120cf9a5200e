// The baseline for the generator benchmark: the generator one writes first, asking
// faker for every field of every event (uuids, picks, numbers, dates). It keeps the
// same contract as kernel/generator.ts (each sale line has a -quantity update with
// the same product, store and time; restocks are positive; stock never goes negative,
// refused lines are counted as lost sales), so the two are compared on equal output.
import { Faker, en } from '@faker-js/faker';
import type { InventoryUpdate, SaleLine } from '../kernel/contracts';
import type { GeneratorCatalog } from '../kernel/generator';
import { isoSecond } from '../kernel/time';

export interface NaiveWindowSpec {
  start: string;
  minutes: number;
  seed: number;
  saleLines: number;
}

export interface NaiveWindow {
  sales: SaleLine[];
  inventory: InventoryUpdate[];
  lostSales: number;
}

const DISCOUNTS = [0, 0, 0, 10, 15, 20, 25, 30, 40, 50];

export function naiveGenerateWindow(catalog: GeneratorCatalog, spec: NaiveWindowSpec): NaiveWindow {
  const faker = new Faker({ locale: [en], seed: spec.seed });
  const from = new Date(Date.parse(spec.start));
  const to = new Date(from.getTime() + spec.minutes * 60_000 - 1000);
  const restockAt = isoSecond(from);
  // Baskets first, each at a random second, then sorted so stock is spent in time order.
  const baskets: { id: string; at: string; storeId: string; lines: number }[] = [];
  for (let planned = 0; planned < spec.saleLines;) {
    const lines = Math.min(spec.saleLines - planned, faker.number.int({ min: 1, max: 5 }));
    baskets.push({
      id: faker.string.uuid(),
      at: isoSecond(faker.date.between({ from, to })),
      storeId: faker.helpers.arrayElement(catalog.stores).store_id,
      lines,
    });
    planned += lines;
  }
  baskets.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

  const stock = new Map<string, number>();
  const sales: SaleLine[] = [];
  const inventory: InventoryUpdate[] = [];
  let lostSales = 0;
  for (const basket of baskets) {
    for (let line = 0; line < basket.lines; line++) {
      const product = faker.helpers.arrayElement(catalog.products);
      const quantity = faker.helpers.weightedArrayElement([
        { weight: 70, value: 1 },
        { weight: 20, value: 2 },
        { weight: 10, value: 3 },
      ]);
      const pair = `${product.product_id}|${basket.storeId}`;
      let left = stock.get(pair);
      if (left === undefined) {
        left = faker.number.int({ min: 5, max: 60 });
        inventory.push({
          update_id: faker.string.uuid(),
          product_id: product.product_id,
          timestamp: restockAt,
          quantity_change: left,
          store_id: basket.storeId,
          reason: 'restock',
          transaction_id: null,
        });
      }
      if (quantity > left) {
        stock.set(pair, left);
        lostSales++;
        continue;
      }
      stock.set(pair, left - quantity);
      const discount = faker.helpers.arrayElement(DISCOUNTS);
      const transactionId = faker.string.uuid();
      sales.push({
        transaction_id: transactionId,
        product_id: product.product_id,
        timestamp: basket.at,
        quantity,
        unit_price: Math.max(1, Math.round(product.price * (100 - discount))) / 100,
        store_id: basket.storeId,
        basket_id: basket.id,
        discount_pct: discount,
      });
      inventory.push({
        update_id: faker.string.uuid(),
        product_id: product.product_id,
        timestamp: basket.at,
        quantity_change: -quantity,
        store_id: basket.storeId,
        reason: 'sale',
        transaction_id: transactionId,
      });
    }
  }
  return { sales, inventory, lostSales };
}
