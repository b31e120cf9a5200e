// The dimension catalog: stores and products, made once with faker from a seed.
// It runs at deploy time and in the twin, never inside a Lambda: faker is a dev
// dependency, and the functions receive the finished catalog as plain data.
import { Faker, en } from '@faker-js/faker';
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

// Category -> list price range in USD and the kinds of item it sells; Black Friday
// baskets mix cheap and big-ticket items.
const CATEGORIES: Record<string, { price: readonly [number, number]; items: readonly string[] }> = {
  Electronics: { price: [49, 1499], items: ['4K TV', 'Laptop', 'Tablet', 'Headphones', 'Smartwatch', 'Bluetooth Speaker', 'Game Console', 'Camera'] },
  Toys: { price: [9, 129], items: ['Building Set', 'Doll House', 'RC Car', 'Board Game', 'Puzzle', 'Plush Bear', 'Drone'] },
  Apparel: { price: [12, 180], items: ['Jacket', 'Sneakers', 'Hoodie', 'Jeans', 'Boots', 'Sweater', 'Scarf'] },
  Home: { price: [15, 400], items: ['Air Fryer', 'Blender', 'Coffee Maker', 'Vacuum', 'Cookware Set', 'Duvet', 'Lamp'] },
  Grocery: { price: [2, 40], items: ['Coffee Beans', 'Chocolate Box', 'Olive Oil', 'Tea Sampler', 'Snack Pack', 'Pasta'] },
  Sports: { price: [15, 350], items: ['Yoga Mat', 'Dumbbells', 'Bike Helmet', 'Running Shoes', 'Tent', 'Basketball'] },
  Beauty: { price: [5, 90], items: ['Perfume', 'Face Serum', 'Hair Dryer', 'Lipstick Set', 'Shampoo', 'Makeup Kit'] },
  Books: { price: [6, 45], items: ['Cookbook', 'Thriller', 'Graphic Novel', 'Biography', 'Atlas', 'Fantasy Saga'] },
};

const SIZES = ['small', 'medium', 'large'] as const;

export function buildCatalog(seed: number = DEFAULT_CATALOG_SEED, options: CatalogOptions = {}): Catalog {
  const productCount = options.products ?? 200;
  const storeCount = options.stores ?? 25;
  if (!Number.isInteger(productCount) || productCount < 1 || productCount > 9999) throw new RangeError(`catalog products must be 1..9999, got ${productCount}`);
  if (!Number.isInteger(storeCount) || storeCount < 1 || storeCount > 999) throw new RangeError(`catalog stores must be 1..999, got ${storeCount}`);
  const faker = new Faker({ locale: [en], seed });
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
    const { price: [low, high], items } = CATEGORIES[category];
    products.push({
      product_id: `P${String(i + 1).padStart(4, '0')}`,
      name: `${faker.company.name().split(/[ ,-]/)[0]} ${faker.commerce.productAdjective()} ${faker.helpers.arrayElement(items)}`,
      category,
      price: Math.round(faker.number.float({ min: low, max: high }) * 100) / 100,
      supplier_id: `SUP${String(faker.number.int({ min: 1, max: 40 })).padStart(3, '0')}`,
    });
  }
  return { seed, products, stores };
}
