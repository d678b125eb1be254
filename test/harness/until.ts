/**
 * Polls `probe` until it returns a value; a probe that throws counts as "not yet" (the hub or the
 * demo may still be starting). Bounded: the error names what was awaited, plus `context()` if given.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number; readonly context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.context === undefined ? "" : `; ${options.context()}`}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}
