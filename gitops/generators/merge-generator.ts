import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { canonicalJson } from "../canonical-json.js";
import type { ChildParams, GeneratorContext } from "./generator-context.js";
import { mergeOverride, type Params } from "./param-utils.js";

/**
 * The merge generator (Argo `merge.go`): the first child is the base; every later child's param
 * set whose `mergeKeys` values equal a base set's overrides it (goTemplate: deep merge). Param sets
 * must be unique by the merge keys within each child. The output keeps the base order.
 */
export async function mergeGenerator(spec: Record<string, unknown>, ctx: GeneratorContext, field: string, childParams: ChildParams): Promise<Params[]> {
  const children = spec["generators"];
  if (!Array.isArray(children) || children.length < 2) {
    throw new GitOpsError(GITOPS_ERROR.generator, "found less than two generators, Merge requires two or more", { file: ctx.file, field: `${field}.generators` });
  }
  const rawKeys = spec["mergeKeys"];
  if (!Array.isArray(rawKeys) || rawKeys.length === 0 || !rawKeys.every((k) => typeof k === "string")) {
    throw new GitOpsError(GITOPS_ERROR.generator, "no merge keys were specified, Merge requires at least one", { file: ctx.file, field: `${field}.mergeKeys` });
  }
  const mergeKeys = [...new Set(rawKeys)];
  const sets: Params[][] = [];
  for (let i = 0; i < children.length; i++) sets.push(await childParams(children[i], ctx, `${field}.generators[${i}]`));
  const byKey = (paramSets: Params[], at: string): Map<string, Params> => {
    const map = new Map<string, Params>();
    for (const params of paramSets) {
      const key = canonicalJson(Object.fromEntries(mergeKeys.map((k) => [k, params[k] ?? null])));
      if (map.has(key)) {
        throw new GitOpsError(
          GITOPS_ERROR.generator,
          `the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was ${key}`,
          { file: ctx.file, field: at },
        );
      }
      map.set(key, params);
    }
    return map;
  };
  const base = byKey(sets[0], `${field}.generators[0]`);
  for (let i = 1; i < sets.length; i++) {
    const overrides = byKey(sets[i], `${field}.generators[${i}]`);
    for (const [key, params] of base) {
      const override = overrides.get(key);
      if (override === undefined) continue;
      base.set(key, ctx.mode.goTemplate ? mergeOverride(params, override) : { ...params, ...override });
    }
  }
  return [...base.values()];
}
