// "Did you mean …?" suggestions: the valid name closest to a typo by case-insensitive edit distance.

/** Levenshtein distance between `a` and `b` (insertions, deletions and substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `name` (case-insensitive edit distance; a candidate that contains the name, or is contained in
 * it, counts as distance 1 for names of three or more characters), or null when even the closest one differs in more than half of the name's characters.
 */
export function closest(name: string, candidates: readonly string[]): string | null {
  const n = name.toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const l = c.toLowerCase();
    const d = l === n ? 0 : n.length >= 3 && (l.includes(n) || n.includes(l)) ? 1 : editDistance(n, l);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.ceil(n.length / 2)) ? best : null;
}
