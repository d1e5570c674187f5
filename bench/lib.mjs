// Shared helpers of the benchmarks: timing loops, medians, formatting.

export const QUICK = process.env.BENCH_QUICK === '1';
export const ROUNDS = QUICK ? 1 : Math.max(5, Number(process.env.BENCH_ROUNDS || 5));
/** Milliseconds each contender runs per round. */
export const SLICE_MS = QUICK ? 40 : Number(process.env.BENCH_SLICE_MS || 400);

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** ops/s of a synchronous fn over `ms` milliseconds (checked every 64 calls). */
export function opsSync(fn, ms = SLICE_MS) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 64; i++) fn();
    n += 64;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

/** ops/s of an async fn awaited one after another over `ms` milliseconds. */
export async function opsAsync(fn, ms = SLICE_MS) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 16; i++) await fn();
    n += 16;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

/** Runs each contender once per round, interleaved, after a warm-up; returns { name: median ops/s }. */
export async function compare(contenders) {
  for (const [, fn] of Object.entries(contenders)) await fn(QUICK ? 10 : 100); // warm-up
  const per = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, fn] of Object.entries(contenders)) per[k].push(await fn(SLICE_MS));
  }
  return Object.fromEntries(Object.entries(per).map(([k, v]) => [k, { median: median(v), rounds: v }]));
}

export const fmtOps = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));
export const fmtKB = (b) => `${(b / 1024).toFixed(1)} KB`;
export const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
