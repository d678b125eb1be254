/** Commander collector for a repeatable flag: every occurrence is kept. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Commander collector for repeatable and comma-separated flags (kubeseal's StringSlice). */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").map((v) => v.trim()).filter((v) => v !== "")];
}
