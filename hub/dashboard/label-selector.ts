/** Equality-based label selectors (`env=prod,tier!=gold,region`), as kubectl's `-l`; null when malformed. */
export function parseSelector(selector: string | undefined): ((labels: Readonly<Record<string, string>>) => boolean) | null {
  if (selector === undefined || selector.trim() === "") return () => true;
  const terms: ((labels: Readonly<Record<string, string>>) => boolean)[] = [];
  for (const raw of selector.split(",")) {
    const term = raw.trim();
    const m = /^([A-Za-z0-9._/-]+)\s*(!=|==|=)?\s*([A-Za-z0-9._-]*)$/.exec(term);
    if (m?.[1] === undefined) return null;
    const [, key, op, value = ""] = m;
    if (op === undefined) terms.push((l) => l[key] !== undefined);
    else if (op === "!=") terms.push((l) => l[key] !== value);
    else terms.push((l) => l[key] === value);
  }
  return (labels) => terms.every((t) => t(labels));
}
