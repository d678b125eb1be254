/**
 * `npm run generate:crds`: regenerates crds/generated/*.gen.ts (and the generator's golden
 * fixtures) from crds/*.yaml. `npm run verify:crds` (`--check`): writes nothing and exits 1 when
 * a committed module differs from what the YAML generates. Run from the repository root.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isFlotillaError } from "../../core/index.js";
import { listCrdTargets, orphanedModules, renderCrdTarget } from "./crd-targets.js";

async function main(check: boolean, root: string): Promise<number> {
  const targets = await listCrdTargets(root);
  const stale: string[] = [];
  for (const target of targets) {
    const text = await renderCrdTarget(root, target);
    const path = join(root, target.output);
    const committed = await readFile(path, "utf8").catch(() => undefined);
    if (committed === text) continue;
    stale.push(target.output);
    if (check) continue;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    process.stdout.write(`wrote ${target.output}\n`);
  }
  for (const orphan of await orphanedModules(root, targets)) {
    stale.push(orphan);
    if (check) continue;
    await rm(join(root, orphan));
    process.stdout.write(`removed ${orphan}\n`);
  }
  if (check && stale.length > 0) {
    process.stderr.write(`stale generated CRD modules (run npm run generate:crds):\n${stale.map((s) => `  ${s}\n`).join("")}`);
    return 1;
  }
  process.stdout.write(`${targets.length} CRD modules ${check ? "up to date" : stale.length === 0 ? "already up to date" : "generated"}\n`);
  return 0;
}

try {
  process.exitCode = await main(process.argv.includes("--check"), process.cwd());
} catch (err) {
  if (!isFlotillaError(err)) throw err;
  process.stderr.write(`${err.describe()}\n`);
  process.exitCode = 1;
}
