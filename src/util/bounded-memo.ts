/**
 * `compute` with its answers kept by argument, at most `limit` of them: when full the memory
 * starts again rather than grow (a log of ever-new values costs a recomputation, not memory).
 * Answers are never undefined, so a Map lookup alone tells a kept answer from none.
 */
export function boundedMemo<K, V extends NonNullable<unknown> | null>(
  limit: number,
  compute: (key: K) => V,
): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute(key);
      if (known.size >= limit) known.clear();
      known.set(key, value);
    }
    return value;
  };
}
