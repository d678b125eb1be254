import type { LabelSelector } from "../../crds/index.js";
import { isFlotillaError } from "../../core/index.js";
import { isBudgetExceeded } from "../render-budget.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { compileLabelSelector } from "../label-selector.js";
import { compileStringTemplate } from "../template-engine.js";
import { clustersGenerator } from "./clusters-generator.js";
import type { GeneratorContext, GeneratorResult, GeneratorSpec } from "./generator-context.js";
import { gitGenerator } from "./git-generator.js";
import { listGenerator } from "./list-generator.js";
import { matrixGenerator } from "./matrix-generator.js";
import { mergeGenerator } from "./merge-generator.js";
import { flattenParams, isPlainObject, type Params } from "./param-utils.js";

/** The generators Flotilla implements, by their key in a generator entry. */
export const SUPPORTED_GENERATORS = ["list", "clusters", "git", "matrix", "merge"] as const;
export type GeneratorKind = (typeof SUPPORTED_GENERATORS)[number];

/** Argo CD generators we recognise but do not implement: named in the error so users know why. */
const ARGO_ONLY_GENERATORS = new Set(["scmProvider", "pullRequest", "clusterDecisionResource", "plugin"]);

/**
 * Argo's `Transform`: runs every generator named in one entry (normally exactly one), after
 * interpolating the entry with `parentParams` when it is a matrix's second child, then drops the
 * param sets its post-generation `selector` does not match.
 */
export async function generateParams(
  spec: GeneratorSpec,
  ctx: GeneratorContext,
  field: string,
  parentParams?: Params,
): Promise<GeneratorResult[]> {
  const kinds = generatorKinds(spec, ctx, field);
  const entry = parentParams === undefined || Object.keys(parentParams).length === 0 ? spec : interpolateGenerator(spec, parentParams, ctx, field);
  const matches = compileLabelSelector(entry["selector"] as LabelSelector | undefined, `${field}.selector`, ctx.file);
  const results: GeneratorResult[] = [];
  for (const kind of kinds) {
    const body = entry[kind];
    const at = `${field}.${kind}`;
    if (!isPlainObject(body)) throw new GitOpsError(GITOPS_ERROR.invalid, `${kind} generator must be an object`, { file: ctx.file, field: at });
    const params = await runGenerator(kind, body, ctx, at);
    const template = isPlainObject(body["template"]) ? body["template"] : undefined;
    results.push({ params: entry["selector"] === undefined ? params : params.filter((p) => matches(flattenParams(p))), template });
  }
  return results;
}

function runGenerator(kind: GeneratorKind, body: Record<string, unknown>, ctx: GeneratorContext, field: string): Params[] | Promise<Params[]> {
  switch (kind) {
    case "list":
      return listGenerator(body, ctx, field);
    case "clusters":
      return clustersGenerator(body, ctx, field);
    case "git":
      return gitGenerator(body, ctx, field);
    case "matrix":
      return matrixGenerator(body, ctx, field, childParams);
    case "merge":
      return mergeGenerator(body, ctx, field, childParams);
  }
}

function generatorKinds(spec: GeneratorSpec, ctx: GeneratorContext, field: string): GeneratorKind[] {
  const kinds: GeneratorKind[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (key === "selector" || value === null || value === undefined) continue;
    if ((SUPPORTED_GENERATORS as readonly string[]).includes(key)) {
      kinds.push(key as GeneratorKind);
      continue;
    }
    const why = ARGO_ONLY_GENERATORS.has(key)
      ? `the Argo CD ${key} generator is not supported by Flotilla`
      : `unknown generator ${JSON.stringify(key)}`;
    throw new GitOpsError(GITOPS_ERROR.unknownGenerator, `${why} (supported: ${SUPPORTED_GENERATORS.join(", ")})`, {
      file: ctx.file,
      field: `${field}.${key}`,
    });
  }
  if (kinds.length === 0) {
    throw new GitOpsError(GITOPS_ERROR.unknownGenerator, `generator entry names no generator (supported: ${SUPPORTED_GENERATORS.join(", ")})`, {
      file: ctx.file,
      field,
    });
  }
  return kinds;
}

/** A matrix or merge child must produce exactly one result (Argo's ErrMoreThenOneInnerGenerators). */
export async function childParams(spec: unknown, ctx: GeneratorContext, field: string, parentParams?: Params): Promise<Params[]> {
  if (!isPlainObject(spec)) throw new GitOpsError(GITOPS_ERROR.invalid, "a child generator must be an object", { file: ctx.file, field });
  const results = await generateParams(spec, ctx, field, parentParams);
  if (results.length > 1) {
    throw new GitOpsError(GITOPS_ERROR.generator, "found more than one generator in matrix.Generators", { file: ctx.file, field });
  }
  return results[0].params;
}

/**
 * Argo's `InterpolateGenerator`: every string (and map key) of a child generator is rendered with
 * the first child's params. Inside `values` maps a missing key leaves the string for the child's
 * own values templating, as Argo does.
 */
function interpolateGenerator(spec: GeneratorSpec, params: Params, ctx: GeneratorContext, field: string): GeneratorSpec {
  const render = (text: string, at: string, inValues: boolean): string => {
    const template = compileStringTemplate(text, ctx.mode, `${ctx.appSetName}:${at}`);
    if (template.constant) return text;
    try {
      return template.render(params);
    } catch (err) {
      if (inValues && isFlotillaError(err) && /map has no entry for key|can't evaluate field|no entry for key/u.test(err.message)) return text;
      if (isFlotillaError(err) && !isBudgetExceeded(err)) throw new GitOpsError(GITOPS_ERROR.template, err.message, { file: ctx.file, field: at, cause: err });
      throw err;
    }
  };
  const walk = (value: unknown, at: string, inValues: boolean): unknown => {
    if (typeof value === "string") return render(value, at, inValues);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${at}[${i}]`, inValues));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(value)) {
        out[render(key, at, false)] = walk(member, `${at}.${key}`, inValues || key === "values");
      }
      return out;
    }
    return value;
  };
  return walk(spec, field, false) as GeneratorSpec;
}
