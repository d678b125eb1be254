import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** `<dir>/../shared/fixtures` for `dir` and each of its ancestors. */
function besides(start: string): string[] {
  const out: string[] = [];
  let dir = start;
  for (let i = 0; i < 6; i++) {
    out.push(resolve(dir, "..", "shared", "fixtures"));
    dir = resolve(dir, "..");
  }
  return out;
}

/** The checkout this one was cloned from, when that is a local path (`git clone /work/main /tmp/x`). */
function localOrigin(repo: string): string | undefined {
  try {
    const url = execFileSync("git", ["-C", repo, "config", "--get", "remote.origin.url"], { encoding: "utf8" }).trim();
    const path = url.startsWith("file://") ? fileURLToPath(url) : url;
    return isAbsolute(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

// The shared fixtures sit beside the repository (../shared/fixtures), in sessions and in CI. A clone
// made elsewhere finds them beside the checkout it was cloned from; FLOTILLA_SHARED_FIXTURES overrides.
function locate(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const override = process.env.FLOTILLA_SHARED_FIXTURES;
  const repo = resolve(here, "..", "..");
  const origin = localOrigin(repo);
  const candidates = [...(override === undefined || override === "" ? [] : [resolve(override)]), ...besides(here), ...(origin === undefined ? [] : besides(origin))];
  const found = candidates.find((c) => existsSync(c));
  if (found !== undefined) return found;
  throw new Error(`the shared fixtures were not found (looked in ${candidates.slice(0, 3).join(", ")}, …); set FLOTILLA_SHARED_FIXTURES`);
}

export const SHARED_FIXTURES = locate();

export function fixturePath(...parts: string[]): string {
  return join(SHARED_FIXTURES, ...parts);
}
