import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The fixtures this repository carries (test/fixtures): ours to ship, read by the core suite. */
export const REPO_FIXTURES = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "fixtures");

export function fixturePath(...parts: string[]): string {
  return join(REPO_FIXTURES, ...parts);
}

/**
 * A file of the interop fixture pack (other projects' files, not shipped). Only the interop project
 * calls this, and vitest.config.ts runs that project only when FLOTILLA_INTEROP_FIXTURES is set.
 */
export function interopFixturePath(...parts: string[]): string {
  const dir = process.env.FLOTILLA_INTEROP_FIXTURES;
  if (dir === undefined || dir === "") throw new Error("FLOTILLA_INTEROP_FIXTURES is not set: interop tests need a fixture pack");
  return join(resolve(dir), ...parts);
}
