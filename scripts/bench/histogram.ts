/**
 * An HDR-style latency histogram: log-linear buckets (64 sub-buckets per power of two, so every recorded value is
 * kept within 1/64 ≈ 1.6 % of itself) over microseconds. Memory is fixed (~20 KiB) whatever the number of samples,
 * so a long run at thousands of requests per second never needs a sorted array of every latency.
 */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
/** Values up to 2^42 µs (~50 days) fit; larger ones are clamped into the last bucket. */
const MAX_SHIFT = 36;
const BUCKETS = SUB * (MAX_SHIFT + 2);

/** Bucket of a non-negative integer value: exact below 128, then 64 buckets per power of two. */
export function bucketIndex(value: number): number {
  const v = Math.max(0, Math.floor(value));
  if (v < 2 * SUB) return v;
  const exponent = Math.floor(Math.log2(v));
  const shift = Math.min(exponent - SUB_BITS, MAX_SHIFT);
  const sub = Math.min(Math.floor(v / 2 ** shift), 2 * SUB - 1);
  return SUB * shift + sub;
}

/** Highest value that falls in bucket `index` (HDR's "highest equivalent value"). */
export function bucketUpperBound(index: number): number {
  if (index < 2 * SUB) return index;
  const shift = Math.floor(index / SUB) - 1;
  const sub = index - SUB * shift;
  return (sub + 1) * 2 ** shift - 1;
}

export interface LatencySummary {
  count: number;
  /** Milliseconds; null when nothing was recorded. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private n = 0;
  private sumUs = 0;
  private maxUs = 0;
  private minUs = Infinity;

  /** Record a duration in milliseconds (fractional: performance.now() differences). Negative values count as 0. */
  recordMs(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    this.counts[bucketIndex(us)]! += 1;
    this.n += 1;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
    if (us < this.minUs) this.minUs = us;
  }

  get count(): number {
    return this.n;
  }

  /** Exact maximum in ms (null when empty). */
  get maxMs(): number | null {
    return this.n === 0 ? null : this.maxUs / 1000;
  }

  /**
   * The value at percentile `p` (0–100] in ms: the upper bound of the bucket holding the sample of rank ⌈p·n/100⌉,
   * never above the exact maximum. Overestimates by at most one bucket width (< 1.6 %).
   */
  percentileMs(p: number): number | null {
    if (this.n === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(bucketUpperBound(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  /** Add another histogram's samples to this one (ramp steps, per-player histograms). */
  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.n += other.n;
    this.sumUs += other.sumUs;
    this.maxUs = Math.max(this.maxUs, other.maxUs);
    this.minUs = Math.min(this.minUs, other.minUs);
  }

  summary(): LatencySummary {
    if (this.n === 0) return { count: 0, p50: null, p95: null, p99: null, max: null, mean: null };
    return {
      count: this.n,
      p50: this.percentileMs(50),
      p95: this.percentileMs(95),
      p99: this.percentileMs(99),
      max: this.maxUs / 1000,
      mean: this.sumUs / this.n / 1000,
    };
  }
}
