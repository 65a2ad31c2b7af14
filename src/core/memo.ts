// A bounded memo for hot paths that compute the same few values again and again (a prepared statement, a parsed
// template, a decrypted secret, a signing key): at most `max` values are kept, the oldest computed forgotten first.

/** `compute` remembered for its last `max` distinct keys. A thrown error (or an undefined value) is not remembered. */
export function boundedMemo<V>(max: number, compute: (key: string) => V): (key: string) => V {
  const kept = new Map<string, V>();
  return (key) => {
    const hit = kept.get(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    if (kept.size >= max) kept.delete(kept.keys().next().value as string);
    kept.set(key, value);
    return value;
  };
}
