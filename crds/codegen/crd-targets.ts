import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { generateCrdModule } from "./generate-crd-module.js";

/** One generated module: the YAML it comes from and where it is committed (paths relative to the repo root). */
export interface CrdTarget {
  readonly source: string;
  readonly output: string;
  readonly importBase: string;
}

export const GENERATED_DIR = "crds/generated";
const FIXTURE_DIR = "crds/codegen/testdata";

/**
 * Every module the generator owns: `crds/<name>.yaml` → `crds/generated/<name>.gen.ts`, and the
 * generator's golden fixtures `crds/codegen/testdata/<name>.crd.yaml` → `<name>.expected.ts`.
 */
export async function listCrdTargets(root: string): Promise<CrdTarget[]> {
  const crds = (await readdir(join(root, "crds"))).filter((f) => f.endsWith(".yaml")).sort();
  const fixtures = (await readdir(join(root, FIXTURE_DIR))).filter((f) => f.endsWith(".crd.yaml")).sort();
  return [
    ...crds.map((f) => ({ source: `crds/${f}`, output: `${GENERATED_DIR}/${f.replace(/\.yaml$/, ".gen.ts")}`, importBase: "../" })),
    ...fixtures.map((f) => ({ source: `${FIXTURE_DIR}/${f}`, output: `${FIXTURE_DIR}/${f.replace(/\.crd\.yaml$/, ".expected.ts")}`, importBase: "../../" })),
  ];
}

/** The module text the generator makes for a target today. */
export async function renderCrdTarget(root: string, target: CrdTarget): Promise<string> {
  const crd = parse(await readFile(join(root, target.source), "utf8")) as unknown;
  return generateCrdModule(crd, target);
}

/** Files in crds/generated/ that no CRD generates any more. */
export async function orphanedModules(root: string, targets: readonly CrdTarget[]): Promise<string[]> {
  const owned = new Set(targets.map((t) => t.output));
  const present = await readdir(join(root, GENERATED_DIR)).catch(() => []);
  return present.map((f) => `${GENERATED_DIR}/${f}`).filter((path) => !owned.has(path)).sort();
}
