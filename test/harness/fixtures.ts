import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// The shared fixtures sit beside the repo (../shared/fixtures), both in sessions and in CI.
function locate(): string {
  let dir = fileURLToPath(new URL(".", import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = resolve(dir, "..", "shared", "fixtures");
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, "..");
  }
  throw new Error("../shared/fixtures not found next to the repository");
}

export const SHARED_FIXTURES = locate();

export function fixturePath(...parts: string[]): string {
  return join(SHARED_FIXTURES, ...parts);
}
