import { createRequire } from "node:module";

// package.json sits two levels above dist/cli/ and one above cli/ (vitest); try both.
function readVersion(): string {
  const require = createRequire(import.meta.url);
  for (const candidate of ["../../package.json", "../package.json"]) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === "flotilla" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0-unknown";
}

export const FLOTILLA_VERSION = readVersion();
