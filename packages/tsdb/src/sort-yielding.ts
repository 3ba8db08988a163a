/**
 * A stable sort that lets the event loop run while it works. Cutting a block sorts every series of the
 * head by its labels: about 0.8 s for a million series in one piece, long enough to delay scrapes and
 * queries. Runs of `RUN` items are sorted natively, then merged pairwise, pausing whenever a slice of
 * about `sliceMs` has been used.
 */
const RUN = 4096;
const CHECK_EVERY = 1024;

export async function sortYielding<T>(items: readonly T[], compare: (a: T, b: T) => number, sliceMs = 20): Promise<T[]> {
  const n = items.length;
  let deadline = performance.now() + sliceMs;
  const pause = async (): Promise<void> => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    deadline = performance.now() + sliceMs;
  };

  let src: T[] = new Array<T>(n);
  for (let lo = 0; lo < n; lo += RUN) {
    const run = items.slice(lo, Math.min(lo + RUN, n)).sort(compare);
    for (let j = 0; j < run.length; j++) src[lo + j] = run[j]!;
    if (performance.now() > deadline) await pause();
  }

  let dst: T[] = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        // Left first on ties: stable.
        if (i < mid && (j >= hi || compare(src[i]!, src[j]!) <= 0)) dst[k] = src[i++]!;
        else dst[k] = src[j++]!;
        if (k % CHECK_EVERY === 0 && performance.now() > deadline) await pause();
      }
    }
    [src, dst] = [dst, src];
  }
  return src;
}
