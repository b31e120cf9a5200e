import { buildCatalog } from '../kernel/catalog';
const out = [20261127, 1, 7, 42, 99999].map((s) => buildCatalog(s, s === 7 ? { products: 2000, stores: 300 } : {}));
process.stdout.write(JSON.stringify(out));
