import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import type { ChildParams, GeneratorContext } from "./generator-context.js";
import { combineStringMaps, mergeOverride, type Params } from "./param-utils.js";

/**
 * The matrix generator (Argo `matrix.go`): exactly two children; the second is interpolated with
 * each param set of the first; the product merges both (goTemplate: a deep merge where the first
 * child wins; fasttemplate: string maps, a key with two different values is an error).
 */
export async function matrixGenerator(spec: Record<string, unknown>, ctx: GeneratorContext, field: string, childParams: ChildParams): Promise<Params[]> {
  const children = spec["generators"];
  if (!Array.isArray(children) || children.length < 2) {
    throw new GitOpsError(GITOPS_ERROR.generator, "found less than two generators, Matrix support only two", { file: ctx.file, field: `${field}.generators` });
  }
  if (children.length > 2) {
    throw new GitOpsError(GITOPS_ERROR.generator, "found more than two generators, Matrix support only two", { file: ctx.file, field: `${field}.generators` });
  }
  const first = await childParams(children[0], ctx, `${field}.generators[0]`);
  const out: Params[] = [];
  for (const a of first) {
    const second = await childParams(children[1], ctx, `${field}.generators[1]`, a);
    for (const b of second) {
      // A product of large children (or a nested matrix) is charged one step per param set.
      ctx.mode.budget?.step();
      if (ctx.mode.goTemplate) {
        out.push(mergeOverride(mergeOverride({}, b), a));
        continue;
      }
      const combined = combineStringMaps(a, b);
      if ("conflict" in combined) {
        throw new GitOpsError(
          GITOPS_ERROR.generator,
          `found duplicate key ${combined.conflict} with different value, a: ${combined.left} ,b: ${combined.right}`,
          { file: ctx.file, field },
        );
      }
      out.push(combined.params);
    }
  }
  return out;
}
