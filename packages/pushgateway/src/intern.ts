/**
 * One string object for the label names, metric names and short label values that thousands of groups
 * repeat (`job`, `instance`, `le`, `"200"`): the store keeps a reference instead of a copy per series.
 * The table is bounded: when full it starts over, so unique values cannot grow it without limit.
 */
const table = new Map<string, string>();
const LIMIT = 1 << 16;
/** Longer values are rarely shared; they are kept as they come. */
export const INTERN_MAX_LENGTH = 64;

export function intern(s: string): string {
  const hit = table.get(s);
  if (hit !== undefined) return hit;
  if (table.size >= LIMIT) table.clear();
  table.set(s, s);
  return s;
}
