/**
 * `npm run bench:compare -- <git ref>`: the till's paths of this tree against
 * another commit's, in one process, operation blocks interleaved (a block of
 * the other tree, a block of this one, again and again), so a machine whose
 * load changes from one minute to the next slows both sides alike. Each side
 * has its own embedded PostgreSQL, migrated and seeded by its own code.
 * Prints, per path, the median block time of each side and their ratio.
 * The other tree is a git worktree made in a temporary folder (with this
 * tree's node_modules linked), or BENCH_COMPARE_TREE if it is given.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ref = process.argv[2] ?? process.env.BENCH_COMPARE_REF;
if (!ref && !process.env.BENCH_COMPARE_TREE) {
  process.stderr.write('usage: npm run bench:compare -- <git ref> (or BENCH_COMPARE_TREE=<folder>)\n');
  process.exit(2);
}

let made: string | undefined;
function otherTree(): string {
  if (process.env.BENCH_COMPARE_TREE) return path.resolve(process.env.BENCH_COMPARE_TREE);
  made = fs.mkdtempSync(path.join(os.tmpdir(), 'comptoir-compare-'));
  execFileSync('git', ['worktree', 'add', '--detach', '-q', made, ref!], { cwd: here, stdio: 'inherit' });
  fs.symlinkSync(path.join(here, 'node_modules'), path.join(made, 'node_modules'));
  return made;
}

interface Side {
  label: string;
  stop(): Promise<void>;
  ops: Record<string, (i: number) => Promise<unknown>>;
}

/** One tree's shop, built by that tree's own modules, and the operations measured on it. */
async function side(label: string, tree: string): Promise<Side> {
  const load = (file: string) => import(pathToFileURL(path.join(tree, file)).href);
  const { createLogger } = await load('server/logger.ts');
  const { benchDatabase, benchShop } = await load('test/bench/database.ts');
  const { seedDemo } = await load('server/demo/seed.ts');
  const { sessionHash } = await load('server/users/service.ts');
  const { BENCH_MANAGER_PIN } = await load('test/bench/database.ts');
  const logger = createLogger('warn');
  const bench = await benchDatabase(`compare-${label}`, logger);
  const { shop, services, actor } = await benchShop(bench.db, logger, 'BENCH');
  await seedDemo(services, shop, new Date(), actor);
  const products = await services.catalog.searchProducts('', 500);
  const sellable: string[] = products.filter((p: { sellableQuantity: number }) => p.sellableQuantity > 0).map((p: { id: string }) => p.id);
  for (const id of sellable) {
    await services.stock.receiveBatch({ productId: id, lotNumber: `BENCH-${id.slice(-6)}`, expirationDate: '2030-12-31', quantity: 100_000, unitCost: null }, actor);
  }
  const product = (i: number) => sellable[i % sellable.length]!;
  // A till's cart (a signed-in session), filled by scanning the products' barcodes as growth.bench.ts does.
  const cart = sessionHash((await services.users.login({ pin: BENCH_MANAGER_PIN }, 'bench')).token);
  const gtins: string[] = products.filter((p: { gtin: string | null; sellableQuantity: number }) => p.gtin && p.sellableQuantity > 0).map((p: { gtin: string }) => p.gtin);
  return {
    label,
    stop: () => bench.stop(),
    ops: {
      'baseline: one-row write transaction': () =>
        bench.db.withTransaction((tx: { exec(sql: string, p: unknown[]): Promise<unknown> }) =>
          tx.exec('update receipt_counters set last_number = last_number where shop_id = $1', [shop.id])),
      'sale, 1 line': (i) => services.sales.recordSale({ lines: [{ productId: product(i), quantity: 1 }], payment: { method: 'card' } }, actor),
      'sale, 5 lines': (i) =>
        services.sales.recordSale(
          { lines: Array.from({ length: 5 }, (_, k) => ({ productId: product(i + k * 7), quantity: 1 })), payment: { method: 'cash', tendered: 1_000_000 } },
          actor,
        ),
      'product search, 2 words': () => services.catalog.searchProducts('paracetamol 500', 20),
      'lots of a product (FEFO list)': (i) => services.stock.batchesOfProduct(product(i)),
      'scan (barcode → cart)': async (i) => {
        await services.till.scan(cart, gtins[i % gtins.length]!);
        if (i % 20 === 19) await services.till.clear(cart);
        return services.till.cart(cart);
      },
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rounds = Number(process.env.BENCH_COMPARE_ROUNDS ?? 15);
const blockSize = Number(process.env.BENCH_COMPARE_BLOCK ?? 20);

const tree = otherTree();
const sides: Side[] = [];
try {
  sides.push(await side('other', tree), await side('this', here));
  const [other, self] = sides as [Side, Side];
  const commit = (dir: string) => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir }).toString().trim();
  process.stdout.write(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  process.stdout.write(`other: ${ref ?? tree} (${commit(tree)}), this: ${commit(here)}; ${rounds} rounds of ${blockSize} operations a side, interleaved\n\n`);
  // Each side's paths are also given as ratios to its own baseline (the same-run ratios `npm run bench` prints), the
  // baseline's blocks measured in the same rounds as the path's: the two clusters' disks do not flush at exactly the
  // same speed, and a machine's load changes between the first path and the last.
  process.stdout.write('| path | other (ms) | this (ms) | this ÷ other | ratio to own baseline, other → this |\n|---|---|---|---|---|\n');
  let counter = 0;
  const BASELINE = 'baseline: one-row write transaction';
  const block = async (s: Side, name: string) => {
    const started = performance.now();
    for (let i = 0; i < blockSize; i++) await s.ops[name]!(counter++);
    return (performance.now() - started) / blockSize;
  };
  for (const name of Object.keys(self.ops)) {
    const times: Record<string, number[]> = { other: [], this: [] };
    const base: Record<string, number[]> = { other: [], this: [] };
    for (const s of sides) for (let i = 0; i < blockSize; i++) await s.ops[name]!(counter++); // warm-up
    for (let r = 0; r < rounds; r++) {
      // Which side goes first alternates, so neither always follows the other's writes.
      for (const s of r % 2 === 0 ? [other, self] : [self, other]) {
        if (name !== BASELINE) base[s.label]!.push(await block(s, BASELINE));
        times[s.label]!.push(await block(s, name));
      }
    }
    const a = median(times.other!);
    const b = median(times.this!);
    const own = name === BASELINE ? '1.00 → 1.00 (1.00)' : (() => {
      const [ra, rb] = [a / median(base.other!), b / median(base.this!)];
      return `${ra.toFixed(2)} → ${rb.toFixed(2)} (${(rb / ra).toFixed(2)})`;
    })();
    process.stdout.write(`| ${name} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(b / a).toFixed(2)} | ${own} |\n`);
  }
} finally {
  for (const s of sides) await s.stop();
  if (made) execFileSync('git', ['worktree', 'remove', '--force', made], { cwd: here, stdio: 'inherit' });
}
