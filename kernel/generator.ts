// Pure, deterministic generator of one window of Black Friday facts.
// No AWS and no faker here: the catalog comes in as data and the facts come from a
// small seeded PRNG, so a window is cheap to make and identical when made again.
import {
  inventoryUpdate,
  type InventoryUpdate,
  type Product,
  type SaleLine,
  type Store,
  type StreamEvents,
} from './contracts';
import { windowTag } from './chunks';
import { Problems } from './problems';
import { isoSecond } from './time';

export interface DemandPeak {
  /** Hour of day (the stores' local time, fractional; the twin and Lambda read it as UTC) at which the peak is highest. */
  hour: number;
  /** Standard deviation of the peak, in hours. */
  width: number;
  /** Height of the peak relative to the others. */
  weight: number;
}

/** Store hours: in-store demand (the plateau and the peaks) ramps up after opening and down before closing. */
export interface StoreHours {
  /** Hour of day (the stores' local time, fractional; the twin and Lambda read it as UTC) at which the ramp up is half done. */
  opensAt: number;
  /** Hour of day at which the ramp down is half done. */
  closesAt: number;
  /** Hours from 10% to 90% of the ramp (a logistic step). */
  rampHours: number;
}

/**
 * Relative sales volume over the day: an around-the-clock baseline (online orders)
 * plus, while the stores are open, a plateau and Gaussian peaks.
 */
export interface DemandCurve {
  baseline: number;
  peaks: DemandPeak[];
  /** Level of in-store demand between the peaks; default 0. */
  plateau?: number;
  /** Without store hours the plateau and peaks apply around the clock. */
  hours?: StoreHours;
}

/**
 * A doorbuster Black Friday: doors open at 05:30 and the crowd builds over the first
 * hour and a half to a doorbuster hump at 07:30, traffic stays high through the morning and
 * peaks at 14:30 (Sensormatic/ShopperTrak: Black Friday store traffic peaked 2-3 p.m. in
 * 2023 and 2024), then eases into the evening until the doors close at 22:00. Hours are
 * read as the stores' local time (docs/TWIN.md, "The data").
 */
export const BLACK_FRIDAY_CURVE: DemandCurve = {
  baseline: 0.04,
  plateau: 0.55,
  hours: { opensAt: 5.5, closesAt: 22, rampHours: 1.5 },
  peaks: [
    { hour: 7.5, width: 1.25, weight: 0.25 },
    { hour: 14.5, width: 3, weight: 0.45 },
    { hour: 19, width: 1.5, weight: 0.1 },
  ],
};

export interface WindowSpec {
  /** Window start, ISO-8601 UTC. */
  start: string;
  /** Window length in minutes. */
  minutes: number;
  /** Seed of this window's facts; with `start` it makes the window reproducible. */
  seed: number;
  /** Exact target of sale lines; when absent it follows the curve at `peakLinesPerMinute`. */
  saleLines?: number;
  /** Sale lines per minute at the top of the curve; used when `saleLines` is absent. */
  peakLinesPerMinute?: number;
  curve?: DemandCurve;
  /** Most lines in one basket; default 5. */
  maxBasketLines?: number;
  /**
   * Share of demanded sale lines the stores cannot serve (out of stock); default
   * DEFAULT_LOST_SALES_RATE. Restocks are sized so lost sales land near it.
   */
  lostSalesRate?: number;
}

/** A window's events of every stream (StreamEvents: a stream added to the contracts must be generated here). */
export interface GeneratedWindow extends StreamEvents {
  sales: SaleLine[];
  inventory: InventoryUpdate[];
  baskets: number;
  /** Sale lines not generated because the store was out of stock. */
  lostSales: number;
}

/** Retail studies put sales lost to empty shelves at about 4% (Gruen, Corsten and Bharadwaj, 2002). */
export const DEFAULT_LOST_SALES_RATE = 0.04;
/** Above half of demand lost, restocks stop meaning anything. */
export const MAX_LOST_SALES_RATE = 0.5;
/** A window is at most a day: the demand curve is a day's. */
export const MAX_WINDOW_MINUTES = 24 * 60;
/** Most units one update may add: the contract's bound on quantity_change; a larger restock is split. */
export const MAX_RESTOCK_UNITS = inventoryUpdate.fields.quantity_change.max;

export interface GeneratorCatalog {
  readonly products: readonly Pick<Product, 'product_id' | 'price'>[];
  readonly stores: readonly Pick<Store, 'store_id' | 'size'>[];
}

/** Digits of the basket number in ids: a window of up to a million baskets keeps its ids in order. */
const BASKET_DIGITS = 6;

/** sfc32: a fast 32-bit PRNG with a 128-bit state; returns floats in [0, 1). */
function prng(seed: number, salt = 0): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ salt;
  let c = 0xb7e15162;
  let d = 1;
  const next = () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // mix the seed into all of the state
  return next;
}

export function demandAt(curve: DemandCurve, hourOfDay: number): number {
  let inStore = curve.plateau ?? 0;
  for (const p of curve.peaks) {
    const z = (hourOfDay - p.hour) / p.width;
    inStore += p.weight * Math.exp(-0.5 * z * z);
  }
  const hours = curve.hours;
  if (hours) {
    // A logistic step rises from 10% to 90% over rampHours = 2 ln 9 scales.
    const scale = hours.rampHours / (2 * Math.log(9));
    inStore *=
      1 / (1 + Math.exp((hours.opensAt - hourOfDay) / scale)) / (1 + Math.exp((hourOfDay - hours.closesAt) / scale));
  }
  return curve.baseline + inStore;
}

/** Every problem with a curve: one that is negative, zero everywhere or has a zero width makes no demand to sample. */
function curveProblems(curve: DemandCurve): Problems {
  const problems = new Problems();
  problems.check(curve.baseline >= 0, () => `curve baseline must be >= 0, got ${curve.baseline}`);
  curve.peaks.forEach((p, i) => {
    problems.check(p.hour >= 0 && p.hour < 24, () => `curve peak ${i} hour must be in [0, 24), got ${p.hour}`);
    problems.check(p.width > 0, () => `curve peak ${i} width must be > 0, got ${p.width}`);
    problems.check(p.weight >= 0, () => `curve peak ${i} weight must be >= 0, got ${p.weight}`);
  });
  problems.check(
    curve.plateau === undefined || curve.plateau >= 0,
    () => `curve plateau must be >= 0, got ${curve.plateau}`,
  );
  if (curve.hours) {
    const { opensAt, closesAt, rampHours } = curve.hours;
    problems.check(opensAt >= 0 && opensAt < 24, () => `curve hours opensAt must be in [0, 24), got ${opensAt}`);
    problems.check(
      closesAt > opensAt && closesAt <= 24,
      () => `curve hours closesAt must be in (opensAt, 24], got ${closesAt}`,
    );
    problems.check(rampHours > 0, () => `curve hours rampHours must be > 0, got ${rampHours}`);
  }
  problems.check(
    !(curve.baseline === 0 && !(curve.plateau! > 0) && curve.peaks.every((p) => p.weight === 0)),
    'curve is zero everywhere',
  );
  return problems;
}

function peakLevel(curve: DemandCurve): number {
  let best = peakLevels.get(curve);
  if (best === undefined) {
    best = 0;
    for (let m = 0; m < 24 * 60; m++) best = Math.max(best, demandAt(curve, m / 60));
    peakLevels.set(curve, best);
  }
  return best;
}
/** Each curve's peak, found once: a month's bill (bench/bill.ts) asks for the sale lines of thousands of windows. */
const peakLevels = new WeakMap<DemandCurve, number>();

// Store formats: a large store draws about three times a small one's traffic, and
// each store then differs from its format by a lognormal factor (location, catchment).
const STORE_FORMAT: Record<string, number> = { small: 1, medium: 1.8, large: 3 };
const STORE_SPREAD = 0.35;
// Stores order stock from a forecast of the window's demand, off by this much (sd, relative).
const FORECAST_ERROR = 0.25;
// Units per sale line: mostly 1, sometimes a few.
const QUANTITY_CDF = Float64Array.from([0.7, 0.9, 0.97, 0.985, 0.995, 1]);
const DISCOUNTS = [0, 0, 0, 10, 15, 20, 25, 30, 40, 50];

function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += w));
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * A weighted pick: the index of the first cumulative weight >= u, in about one step.
 * A guide table holds, for each of `slots` equal slices of [0, 1), the first index
 * whose cumulative weight reaches the slice; a short scan finishes. It returns the
 * same index as a binary search for every u, without its hard-to-predict branches.
 */
function guidedPicker(cdf: Float64Array, slots = Math.max(16, cdf.length * 4)): (u: number) => number {
  const guide = new Int32Array(slots);
  for (let k = 0, i = 0; k < slots; k++) {
    const floor = k / slots;
    while (i < cdf.length - 1 && cdf[i] < floor) i++;
    guide[k] = i;
  }
  const last = cdf.length - 1;
  return (u: number) => {
    let i = guide[Math.floor(u * slots)];
    while (i < last && cdf[i] < u) i++;
    return i;
  };
}

const pickQuantityIndex = guidedPicker(QUANTITY_CDF);

/** Units per line: the mean and second moment, for the restock's mean and spread of demand. */
const [MEAN_QUANTITY, MEAN_QUANTITY_SQUARED] = QUANTITY_CDF.reduce(
  ([mean, square], cdf, q) => {
    const p = cdf - (q > 0 ? QUANTITY_CDF[q - 1] : 0);
    return [mean + p * (q + 1), square + p * (q + 1) * (q + 1)];
  },
  [0, 0],
);

/** Popularity of each product: Zipf-like over a seeded shuffle, stable across windows. */
export function productPopularity(catalog: GeneratorCatalog, catalogSeed = 1): number[] {
  const rand = prng(catalogSeed, 0x5eed);
  const rank = catalog.products.map((_, i) => i);
  for (let i = rank.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rank[i], rank[j]] = [rank[j], rank[i]];
  }
  const weights = new Array<number>(rank.length);
  rank.forEach((r, i) => (weights[i] = 1 / Math.pow(r + 1, 0.9)));
  return weights;
}

/** A standard normal draw (Box-Muller) from a uniform PRNG. */
function normalDraw(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Traffic weight of each store: its format times a lognormal factor, stable across windows. */
function storeTraffic(catalog: GeneratorCatalog, catalogSeed = 1): number[] {
  const rand = prng(catalogSeed, 0x570e);
  return catalog.stores.map(
    (s) => (STORE_FORMAT[s.size] ?? 1) * Math.exp(STORE_SPREAD * normalDraw(rand) - (STORE_SPREAD * STORE_SPREAD) / 2),
  );
}

/** 1 - Phi(k), the upper tail of the standard normal (Abramowitz and Stegun 7.1.26, error < 1.5e-7). */
function upperTail(k: number): number {
  const x = Math.abs(k) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  return k >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Expected shortfall above k of a standard normal: phi(k) - k (1 - Phi(k)). */
export function unitNormalLoss(k: number): number {
  return Math.exp(-0.5 * k * k) / Math.sqrt(2 * Math.PI) - k * upperTail(k);
}

/**
 * The safety factor k whose unit normal loss is `loss`: stock of mean + k sd then
 * leaves `loss` sd of demand unserved on average (the textbook newsvendor sizing).
 * Newton from the left of the root converges monotonically: the loss is convex and decreasing.
 */
export function safetyFactor(loss: number): number {
  if (!(loss > 0)) return 8;
  let k = -loss;
  for (let i = 0; i < 60; i++) {
    const step = (unitNormalLoss(k) - loss) / upperTail(k);
    k += step;
    if (Math.abs(step) < 1e-9 || k > 8) break;
  }
  return Math.min(k, 8);
}

/** Expected sale lines in a window, from the curve (used when no exact count is given). */
export function expectedSaleLines(spec: WindowSpec): number {
  const curve = spec.curve ?? BLACK_FRIDAY_CURVE;
  const startMs = Date.parse(spec.start);
  const top = peakLevel(curve);
  let sum = 0;
  for (let m = 0; m < spec.minutes; m++) {
    const d = new Date(startMs + m * 60000 + 30000);
    sum += demandAt(curve, d.getUTCHours() + d.getUTCMinutes() / 60 + 0.5 / 60) / top;
  }
  return Math.round(sum * (spec.peakLinesPerMinute ?? 100));
}

/** A window spec checked, with its defaults filled in. */
interface CheckedWindow {
  startMs: number;
  curve: DemandCurve;
  /** Sale lines demanded: sold plus lost. */
  target: number;
  maxLines: number;
  lostRate: number;
}

/** The spec's first problem throws; a curve's problems are listed together. */
function checkWindow(catalog: GeneratorCatalog, spec: WindowSpec): CheckedWindow {
  const startMs = Date.parse(spec.start);
  if (Number.isNaN(startMs))
    throw new RangeError(`window start must be an ISO-8601 timestamp, got ${JSON.stringify(spec.start)}`);
  if (!(spec.minutes > 0 && spec.minutes <= MAX_WINDOW_MINUTES))
    throw new RangeError(`window minutes must be in (0, ${MAX_WINDOW_MINUTES}], got ${spec.minutes}`);
  if (catalog.products.length === 0 || catalog.stores.length === 0)
    throw new RangeError('catalog needs at least one product and one store');
  const curve = spec.curve ?? BLACK_FRIDAY_CURVE;
  curveProblems(curve).throwIfAny('invalid demand curve');
  const target = spec.saleLines ?? expectedSaleLines(spec);
  if (!(Number.isInteger(target) && target >= 0))
    throw new RangeError(`saleLines must be a whole number >= 0, got ${target}`);
  const lostRate = spec.lostSalesRate ?? DEFAULT_LOST_SALES_RATE;
  if (!(lostRate >= 0 && lostRate <= MAX_LOST_SALES_RATE))
    throw new RangeError(`lostSalesRate must be in [0, ${MAX_LOST_SALES_RATE}], got ${lostRate}`);
  return { startMs, curve, target, maxLines: spec.maxBasketLines ?? 5, lostRate };
}

/** Picks a second of the window by its demand (the curve at that second). */
function secondPicker(curve: DemandCurve, startMs: number, minutes: number): (u: number) => number {
  const seconds = Math.max(1, Math.round(minutes * 60));
  const weights = new Array<number>(seconds);
  for (let s = 0; s < seconds; s++) {
    const d = new Date(startMs + s * 1000);
    weights[s] = demandAt(curve, d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600);
  }
  return guidedPicker(cumulative(weights));
}

/** Unit price per product and discount slot, in dollars: computed once per window, not per line. */
function unitPriceTable(products: GeneratorCatalog['products']): Float64Array {
  const prices = new Float64Array(products.length * DISCOUNTS.length);
  products.forEach((p, ix) => {
    const cents = Math.round(p.price * 100);
    for (let d = 0; d < DISCOUNTS.length; d++)
      prices[ix * DISCOUNTS.length + d] = Math.max(1, Math.round((cents * (100 - DISCOUNTS[d])) / 100)) / 100;
  });
  return prices;
}

/** What a product and store pair's restock is sized from: the window's demand and the lost-sales target. */
interface RestockModel {
  target: number;
  lostRate: number;
  popularity: readonly number[];
  storeWeights: readonly number[];
  /** popularity sum times store weight sum. */
  weightSum: number;
}

/**
 * Stock for a pair's window: its expected demand plus a safety margin sized so the expected
 * shortfall is lostRate of demand, with the store's forecast error on top. Lines of the pair
 * are about Poisson; the pair is stocked when its first line comes, so they are counted given
 * at least one (a zero-truncated Poisson).
 */
function restockUnits(model: RestockModel, productIx: number, storeIx: number, rand: () => number): number {
  const lineRate = (model.target * model.popularity[productIx] * model.storeWeights[storeIx]) / model.weightSum;
  const lines = lineRate / -Math.expm1(-lineRate);
  const linesVariance = Math.max(0, lines * (1 + lineRate) - lines * lines);
  const mean = lines * MEAN_QUANTITY;
  const sd = Math.sqrt(
    lines * (MEAN_QUANTITY_SQUARED - MEAN_QUANTITY * MEAN_QUANTITY) +
      linesVariance * MEAN_QUANTITY * MEAN_QUANTITY +
      (FORECAST_ERROR * mean) ** 2,
  );
  const k = safetyFactor((model.lostRate * mean) / sd);
  return Math.max(2, Math.ceil(mean + k * sd + FORECAST_ERROR * mean * normalDraw(rand)));
}

/** Everything one window's loop reads: its picks, ids, prices and restock model. */
interface WindowPlan {
  target: number;
  maxLines: number;
  startMs: number;
  startIso: string;
  tag: string;
  rand: () => number;
  pickSecond: (u: number) => number;
  pickStore: (u: number) => number;
  pickProduct: (u: number) => number;
  productIds: readonly string[];
  storeIds: readonly string[];
  unitPrices: Float64Array;
  restock: RestockModel;
}

function planWindow(catalog: GeneratorCatalog, spec: WindowSpec, popularity?: readonly number[]): WindowPlan {
  const { startMs, curve, target, maxLines, lostRate } = checkWindow(catalog, spec);
  const startIso = isoSecond(startMs);
  const productWeights = popularity ?? productPopularity(catalog);
  const storeWeights = storeTraffic(catalog);
  const sum = (weights: readonly number[]) => weights.reduce((a, b) => a + b, 0);
  return {
    target,
    maxLines,
    startMs,
    startIso,
    tag: windowTag(startIso, spec.seed),
    rand: prng(spec.seed, Math.floor(startMs / 1000)),
    pickSecond: secondPicker(curve, startMs, spec.minutes),
    pickStore: guidedPicker(cumulative(storeWeights)),
    pickProduct: guidedPicker(cumulative(productWeights)),
    productIds: catalog.products.map((p) => p.product_id),
    storeIds: catalog.stores.map((s) => s.store_id),
    unitPrices: unitPriceTable(catalog.products),
    restock: {
      target,
      lostRate,
      popularity: productWeights,
      storeWeights,
      weightSum: sum(productWeights) * sum(storeWeights),
    },
  };
}

/** Writes a pair's restock at `at`, split into updates of at most MAX_RESTOCK_UNITS (the contract's bound); returns the next free index. */
function writeRestock(
  inventory: InventoryUpdate[],
  at: number,
  plan: WindowPlan,
  productIx: number,
  storeIx: number,
  units: number,
): number {
  for (let part = 0; units > 0; part++) {
    const quantity = Math.min(units, MAX_RESTOCK_UNITS);
    inventory[at++] = {
      update_id: `R-${plan.tag}-${productIx}-${storeIx}${part === 0 ? '' : '-' + part}`,
      product_id: plan.productIds[productIx],
      timestamp: plan.startIso,
      quantity_change: quantity,
      store_id: plan.storeIds[storeIx],
      reason: 'restock',
      transaction_id: null,
    };
    units -= quantity;
  }
  return at;
}

/**
 * The window's baskets, in time order: each line a sale and its update of -quantity,
 * each pair's first line its restock. The hot loop of the generator: every event of a
 * window is made here, so it keeps its state in locals and makes each id of pieces cut once.
 */
function fillWindow(plan: WindowPlan): GeneratedWindow {
  const { target, maxLines, startMs, rand, pickSecond, pickStore, pickProduct, productIds, storeIds, unitPrices } =
    plan;
  const storeCount = storeIds.length;
  // Id pieces made once per window ('T-<tag>-', '-0', '-1', ...), so a line adds one short
  // cons string per id: a window's events all live until it returns, and the GC copies every byte.
  const lineSuffix = Array.from({ length: maxLines }, (_, i) => '-' + i);
  const basketTag = 'B-' + plan.tag + '-';
  const transactionTag = 'T-' + plan.tag + '-';
  const updateTag = 'U-' + plan.tag + '-';
  // Units left in this window per product * stores + store; -1 = not stocked yet.
  const stock = new Int32Array(productIds.length * storeCount).fill(-1);
  // Sized up front (at most `target` lines; updates add one restock per pair): growing by
  // push copies the arrays over and over while every element is still live.
  const sales = new Array<SaleLine>(target);
  const inventory = new Array<InventoryUpdate>(target + Math.min(stock.length, target));
  let salesCount = 0;
  let inventoryCount = 0;
  let lostSales = 0;
  let baskets = 0;
  let lastSecond = -1;
  let isoAtSecond = plan.startIso;
  const basketTarget = Math.max(1, Math.ceil(target / ((1 + maxLines) / 2)));
  const discountSlots = DISCOUNTS.length;

  while (salesCount + lostSales < target) {
    // Stratified placement keeps baskets in time order without a sort.
    const second = pickSecond(Math.min(0.999999, (Math.min(baskets, basketTarget - 1) + rand()) / basketTarget));
    if (second !== lastSecond) {
      lastSecond = second;
      isoAtSecond = isoSecond(startMs + second * 1000);
    }
    const storeIx = pickStore(rand());
    const storeId = storeIds[storeIx];
    // Zero-padded so ids sort in the order they are made: the warehouse's primary-key
    // index then grows at its right edge instead of splitting pages all over.
    const basketNumber = String(baskets).padStart(BASKET_DIGITS, '0');
    const basketId = basketTag + basketNumber;
    const transactionPrefix = transactionTag + basketNumber;
    const updatePrefix = updateTag + basketNumber;
    const size = Math.min(target - salesCount - lostSales, 1 + Math.floor(rand() * maxLines));
    baskets++;
    for (let line = 0; line < size; line++) {
      const productIx = pickProduct(rand());
      const qty = pickQuantityIndex(rand()) + 1;
      const pair = productIx * storeCount + storeIx;
      let left = stock[pair];
      if (left < 0) {
        left = stock[pair] = restockUnits(plan.restock, productIx, storeIx, rand);
        inventoryCount = writeRestock(inventory, inventoryCount, plan, productIx, storeIx, left);
      }
      if (qty > left) {
        lostSales++;
        continue;
      }
      stock[pair] = left - qty;
      const discountSlot = Math.floor(rand() * discountSlots);
      const transactionId = transactionPrefix + lineSuffix[line];
      const productId = productIds[productIx];
      sales[salesCount++] = {
        transaction_id: transactionId,
        product_id: productId,
        timestamp: isoAtSecond,
        quantity: qty,
        unit_price: unitPrices[productIx * discountSlots + discountSlot],
        store_id: storeId,
        basket_id: basketId,
        discount_pct: DISCOUNTS[discountSlot],
      };
      inventory[inventoryCount++] = {
        update_id: updatePrefix + lineSuffix[line],
        product_id: productId,
        timestamp: isoAtSecond,
        quantity_change: -qty,
        store_id: storeId,
        reason: 'sale',
        transaction_id: transactionId,
      };
    }
  }
  sales.length = salesCount;
  inventory.length = inventoryCount;
  return { sales, inventory, baskets, lostSales };
}

/**
 * One window of sale lines and the inventory updates that go with them.
 * Every sale line has a matching update of -quantity (same product, store and time).
 * Each product and store pair touched in the window gets a restock at the window
 * start, sized from expected demand so lost sales land near `lostSalesRate` (split
 * into updates of at most MAX_RESTOCK_UNITS); a sale that would take stock below
 * zero is not generated and counts as a lost sale, so stock never goes negative.
 * A spec or curve that cannot make a window throws a RangeError naming the problem.
 */
export function generateWindow(
  catalog: GeneratorCatalog,
  spec: WindowSpec,
  popularity?: readonly number[],
): GeneratedWindow {
  return fillWindow(planWindow(catalog, spec, popularity));
}
