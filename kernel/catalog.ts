// The dimension catalog: stores and products, made once with faker from a seed.
// It runs at deploy time and in the twin, never inside a Lambda: faker is a dev
// dependency, and the functions receive the finished catalog as plain data.
// The English faker alone: the package's index loads every locale, a third of a second per process.
import { faker } from '@faker-js/faker/locale/en';
import type { Product, Store } from './contracts';

export interface Catalog {
  readonly seed: number;
  readonly products: readonly Product[];
  readonly stores: readonly Store[];
}

export interface CatalogOptions {
  /** Number of products; default 200. */
  products?: number;
  /** Number of stores; default 25. */
  stores?: number;
}

export const DEFAULT_CATALOG_SEED = 20261127;

const REGIONS: Record<string, readonly string[]> = {
  Northeast: ['New York', 'Massachusetts', 'Pennsylvania', 'New Jersey'],
  Southeast: ['Florida', 'Georgia', 'North Carolina', 'Tennessee'],
  Midwest: ['Illinois', 'Ohio', 'Michigan', 'Minnesota'],
  Southwest: ['Texas', 'Arizona', 'New Mexico', 'Oklahoma'],
  West: ['California', 'Washington', 'Oregon', 'Colorado'],
};

export interface MerchandiseItem {
  readonly item: string;
  /** List price range in USD (before any Black Friday discount). */
  readonly price: readonly [number, number];
}

export interface Category {
  /** Words a product name may carry before the item, fitting every item of the category. */
  readonly variants: readonly string[];
  readonly items: readonly MerchandiseItem[];
}

// Category -> the kinds of item it sells, each with its own list price range (typical US
// retail list prices, rounded), so a name and its price agree: a game console costs what
// consoles cost, a coffee bag what coffee costs. Black Friday baskets mix cheap and big-ticket items.
export const CATEGORIES: Readonly<Record<string, Category>> = {
  Electronics: {
    variants: ['Pro', 'Plus', 'Ultra', 'Lite', 'Max', 'Mini'],
    items: [
      { item: '4K TV', price: [249, 1999] },
      { item: 'Laptop', price: [349, 1799] },
      { item: 'Tablet', price: [129, 899] },
      { item: 'Headphones', price: [29, 399] },
      { item: 'Smartwatch', price: [99, 499] },
      { item: 'Bluetooth Speaker', price: [29, 299] },
      { item: 'Game Console', price: [299, 499] },
      { item: 'Camera', price: [249, 1499] },
    ],
  },
  Toys: {
    variants: ['Deluxe', 'Classic', 'Junior', 'Mega', 'Starter'],
    items: [
      { item: 'Building Set', price: [19, 149] },
      { item: 'Doll House', price: [49, 199] },
      { item: 'RC Car', price: [25, 119] },
      { item: 'Board Game', price: [15, 59] },
      { item: 'Puzzle', price: [9, 35] },
      { item: 'Plush Bear', price: [9, 39] },
      { item: 'Drone', price: [39, 199] },
    ],
  },
  Apparel: {
    variants: ['Black', 'Navy', 'Grey', 'Olive', 'Burgundy', 'Camel'],
    items: [
      { item: 'Jacket', price: [59, 249] },
      { item: 'Sneakers', price: [49, 179] },
      { item: 'Hoodie', price: [25, 79] },
      { item: 'Jeans', price: [29, 99] },
      { item: 'Boots', price: [69, 229] },
      { item: 'Sweater', price: [29, 119] },
      { item: 'Scarf', price: [12, 49] },
    ],
  },
  Home: {
    variants: ['Compact', 'Deluxe', 'Classic', 'Premium', 'Essential'],
    items: [
      { item: 'Air Fryer', price: [49, 199] },
      { item: 'Blender', price: [29, 249] },
      { item: 'Coffee Maker', price: [29, 299] },
      { item: 'Vacuum', price: [99, 599] },
      { item: 'Cookware Set', price: [59, 349] },
      { item: 'Duvet', price: [39, 199] },
      { item: 'Lamp', price: [19, 129] },
    ],
  },
  Grocery: {
    variants: ['Organic', 'Premium', 'Classic', 'Family Size', 'Artisan'],
    items: [
      { item: 'Coffee Beans', price: [8, 24] },
      { item: 'Chocolate Box', price: [6, 35] },
      { item: 'Olive Oil', price: [7, 29] },
      { item: 'Tea Sampler', price: [8, 30] },
      { item: 'Snack Pack', price: [3, 12] },
      { item: 'Pasta', price: [2, 8] },
    ],
  },
  Sports: {
    variants: ['Pro', 'Classic', 'Elite', 'Performance', 'Trail'],
    items: [
      { item: 'Yoga Mat', price: [19, 89] },
      { item: 'Dumbbells', price: [25, 299] },
      { item: 'Bike Helmet', price: [29, 149] },
      { item: 'Running Shoes', price: [59, 179] },
      { item: 'Tent', price: [79, 449] },
      { item: 'Basketball', price: [19, 69] },
    ],
  },
  Beauty: {
    variants: ['Luxe', 'Classic', 'Travel', 'Signature', 'Professional'],
    items: [
      { item: 'Perfume', price: [39, 149] },
      { item: 'Face Serum', price: [15, 89] },
      { item: 'Hair Dryer', price: [29, 399] },
      { item: 'Lipstick Set', price: [15, 59] },
      { item: 'Shampoo', price: [6, 35] },
      { item: 'Makeup Kit', price: [19, 99] },
    ],
  },
  Books: {
    variants: ['Hardcover', 'Paperback', 'Illustrated', 'Deluxe Edition'],
    items: [
      { item: 'Cookbook', price: [15, 45] },
      { item: 'Thriller', price: [9, 30] },
      { item: 'Graphic Novel', price: [12, 40] },
      { item: 'Biography', price: [12, 35] },
      { item: 'Atlas', price: [20, 60] },
      { item: 'Fantasy Saga', price: [10, 35] },
    ],
  },
};

/**
 * A list price within [low, high]: log-uniform (a range holds more cheap models than
 * dear ones) and ending in .99, as shelf prices do.
 */
function listPrice(draw: number, [low, high]: readonly [number, number]): number {
  const dollars = Math.round(Math.exp(Math.log(low + 1) + draw * (Math.log(high) - Math.log(low + 1))));
  return Math.round(dollars * 100 - 1) / 100;
}

const SIZES = ['small', 'medium', 'large'] as const;

export function buildCatalog(seed: number = DEFAULT_CATALOG_SEED, options: CatalogOptions = {}): Catalog {
  const productCount = options.products ?? 200;
  const storeCount = options.stores ?? 25;
  if (!Number.isInteger(productCount) || productCount < 1 || productCount > 9999)
    throw new RangeError(`catalog products must be 1..9999, got ${productCount}`);
  if (!Number.isInteger(storeCount) || storeCount < 1 || storeCount > 999)
    throw new RangeError(`catalog stores must be 1..999, got ${storeCount}`);
  faker.seed(seed);
  const regions = Object.keys(REGIONS);
  const stores: Store[] = [];
  for (let i = 0; i < storeCount; i++) {
    const region = regions[i % regions.length];
    stores.push({
      store_id: `S${String(i + 1).padStart(3, '0')}`,
      city: faker.location.city(),
      state: faker.helpers.arrayElement(REGIONS[region]),
      region,
      size: faker.helpers.weightedArrayElement([
        { weight: 2, value: SIZES[0] },
        { weight: 3, value: SIZES[1] },
        { weight: 2, value: SIZES[2] },
      ]),
      manager: faker.person.fullName(),
    });
  }
  const categories = Object.keys(CATEGORIES);
  const products: Product[] = [];
  for (let i = 0; i < productCount; i++) {
    const category = categories[i % categories.length];
    const { variants, items } = CATEGORIES[category];
    const { item, price } = faker.helpers.arrayElement(items);
    products.push({
      product_id: `P${String(i + 1).padStart(4, '0')}`,
      // Brand, variant, item: "Kessler Pro Laptop", "Hahn Organic Coffee Beans".
      name: `${faker.company.name().split(/[ ,-]/)[0]} ${faker.helpers.arrayElement(variants)} ${item}`,
      category,
      price: listPrice(faker.number.float({ min: 0, max: 1 }), price),
      supplier_id: `SUP${String(faker.number.int({ min: 1, max: 40 })).padStart(3, '0')}`,
    });
  }
  return { seed, products, stores };
}
