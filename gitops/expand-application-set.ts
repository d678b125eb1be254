import { parse as parseYaml } from "yaml";
import { KUBE_TO_JS_OPTIONS, KUBE_YAML_OPTIONS } from "./kube-yaml.js";
import type { ApplicationSet } from "../crds/index.js";
import { isFlotillaError } from "../core/index.js";
import { compileTree, fillEmpty, mergePatch, type CompiledTree } from "./application-template.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { generateParams } from "./generators/generate-params.js";
import type { GeneratorContext } from "./generators/generator-context.js";
import { isPlainObject, type Params } from "./generators/param-utils.js";
import type { FleetCluster } from "./fleet-cluster.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import { compileStringTemplate, missingKeyOption, type TemplateMode } from "./template-engine.js";
import { deepFreeze } from "./render/manifest-objects.js";
import type { ExecBudget } from "../template/index.js";
import { isBudgetExceeded, renderBudgetError } from "./render-budget.js";

/** Argo CD's Application, as generated from an ApplicationSet (JSON-shaped). */
export interface Application {
  readonly apiVersion: "argoproj.io/v1alpha1";
  readonly kind: "Application";
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly finalizers?: string[];
    readonly [field: string]: unknown;
  };
  readonly spec: Record<string, unknown>;
}

/** One param set's outcome: the Application, or why it could not be rendered. */
export type GeneratedApplication =
  | { readonly params: Params; readonly application: Application; readonly error?: undefined }
  | { readonly params: Params; readonly application?: undefined; readonly error: GitOpsError };

export interface ExpandResult {
  readonly applications: readonly GeneratedApplication[];
  /** Failures of a whole generator entry (unknown generator, merge keys not unique, ...). */
  readonly generatorErrors: readonly GitOpsError[];
}

export interface ExpandContext {
  readonly clusters: readonly FleetCluster[];
  readonly repo: (repoURL: string, revision: string, field: string) => Promise<RepoSnapshot>;
  readonly file?: string | undefined;
  /** Charged for every template; each parameter set is one scope. Running out fails the whole ApplicationSet. */
  readonly budget?: ExecBudget | undefined;
}

/** Argo's finalizer, added unless `syncPolicy.preserveResourcesOnDeletion` is set. */
export const RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";
const DEFAULT_FINALIZERS: string[] = Object.freeze([RESOURCES_FINALIZER]) as unknown as string[];

/**
 * Template mode of an ApplicationSet. flotilla.dev: Go templates with missingkey=error unless the
 * file says otherwise. argoproj.io: exactly Argo's defaults (fasttemplate unless goTemplate: true;
 * Go's missingkey=default unless goTemplateOptions says otherwise).
 */
export function templateModeOf(appSet: ApplicationSet): TemplateMode {
  const argo = appSet.apiVersion === "argoproj.io/v1alpha1";
  const goTemplate = appSet.spec.goTemplate ?? !argo;
  return { goTemplate, missingKey: missingKeyOption(appSet.spec.goTemplateOptions, argo ? "default" : "error") };
}

/**
 * Argo's `GenerateApplications`: every generator entry in order, each param set rendered through
 * the (generator-overridden) template and `templatePatch`. One param set's failure is recorded
 * for it and never stops the others; a generator entry's failure skips only that entry.
 */
export async function expandApplicationSet(
  appSet: ApplicationSet,
  context: ExpandContext,
  /** When given, each outcome goes here as soon as it is rendered and `applications` stays empty (no 10 000-app arrays kept alive). */
  sink?: (generated: GeneratedApplication) => void | Promise<void>,
): Promise<ExpandResult & { readonly count: number }> {
  const budget = context.budget;
  const mode: TemplateMode = { ...templateModeOf(appSet), budget };
  const name = appSet.metadata.name;
  const where = { appSet: name, file: context.file };
  const ctx: GeneratorContext = { mode, clusters: context.clusters, repo: context.repo, file: context.file, appSetName: name };
  // Frozen so that constant parts can be shared by every generated Application safely.
  const baseTemplate = deepFreeze((appSet.spec.template ?? {}) as Record<string, unknown>);
  const compiledBase = compileTree(baseTemplate, mode, { name, field: "spec.template", file: context.file });
  const patch = appSet.spec.templatePatch === undefined ? undefined : compileStringTemplate(appSet.spec.templatePatch, mode, `${name}:templatePatch`);
  const preserve = appSet.spec.syncPolicy?.preserveResourcesOnDeletion === true;
  const applications: GeneratedApplication[] = [];
  const generatorErrors: GitOpsError[] = [];
  let count = 0;

  for (let g = 0; g < appSet.spec.generators.length; g++) {
    const field = `spec.generators[${g}]`;
    let results;
    try {
      results = await generateParams(appSet.spec.generators[g], ctx, field);
    } catch (err) {
      generatorErrors.push(asGitOpsError(err, context.file, field, where));
      continue;
    }
    for (const result of results) {
      const compiled: CompiledTree =
        result.template === undefined
          ? compiledBase
          : compileTree(deepFreeze(fillEmpty(result.template, baseTemplate)), mode, { name, field: `${field}.template`, file: context.file });
      for (const params of result.params) {
        let generated: GeneratedApplication;
        budget?.resetScope();
        budget?.step();
        try {
          const rendered = compiled(params) as Record<string, unknown>;
          let app = toApplication(rendered, appSet, preserve);
          if (patch !== undefined) app = applyTemplatePatch(app, renderPatch(patch, params, context.file, where), context.file);
          if (app.metadata.name === "") {
            throw new GitOpsError(
              GITOPS_ERROR.invalid,
              `ApplicationSet ${name} contains an application with no name; a name must be set in the template's metadata.name or via a templatePatch`,
              { file: context.file, field: "spec.template.metadata.name" },
            );
          }
          generated = { params, application: app };
        } catch (err) {
          generated = { params, error: asGitOpsError(err, context.file, "spec.template", { ...where, app: `application #${count + 1}` }) };
        }
        count++;
        if (sink === undefined) applications.push(generated);
        else {
          // Most outcomes are placed synchronously: no promise or microtask per app.
          const pending = sink(generated);
          if (pending !== undefined) await pending;
        }
      }
    }
  }
  return { applications, generatorErrors, count };
}

function toApplication(rendered: Record<string, unknown>, appSet: ApplicationSet, preserve: boolean): Application {
  const meta = isPlainObject(rendered["metadata"]) ? rendered["metadata"] : {};
  const spec = isPlainObject(rendered["spec"]) ? rendered["spec"] : {};
  const finalizers = Array.isArray(meta["finalizers"]) ? (meta["finalizers"] as string[]) : [];
  // A templated metadata is a fresh object per render and is completed in place; a constant one
  // is the frozen template itself and is copied.
  const metadata: Record<string, unknown> = Object.isFrozen(meta) ? { ...meta } : meta;
  if (typeof metadata["name"] !== "string") metadata["name"] = "";
  if (appSet.metadata.namespace !== undefined) metadata["namespace"] = appSet.metadata.namespace;
  if (!preserve && finalizers.length === 0) metadata["finalizers"] = DEFAULT_FINALIZERS;
  return { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: metadata as Application["metadata"], spec };
}

function renderPatch(patch: { render(params: Params): string }, params: Params, file: string | undefined, where: BudgetWhere): string {
  try {
    return patch.render(params);
  } catch (err) {
    throw asGitOpsError(err, file, "spec.templatePatch", where);
  }
}

function applyTemplatePatch(app: Application, patchText: string, file: string | undefined): Application {
  let patch: unknown;
  try {
    patch = parseYaml(patchText, { ...KUBE_YAML_OPTIONS, ...KUBE_TO_JS_OPTIONS });
  } catch (err) {
    throw new GitOpsError(GITOPS_ERROR.parse, `templatePatch does not parse after rendering: ${(err as Error).message.split("\n")[0]}`, {
      file,
      field: "spec.templatePatch",
    });
  }
  if (patch === null || patch === undefined) return app;
  if (!isPlainObject(patch)) throw new GitOpsError(GITOPS_ERROR.invalid, "templatePatch must render to an object", { file, field: "spec.templatePatch" });
  return mergePatch(app, patch) as Application;
}

interface BudgetWhere {
  readonly appSet: string;
  readonly app?: string | undefined;
  readonly file?: string | undefined;
}

/**
 * A per-app failure becomes that app's error; a budget failure is thrown instead, out of the
 * expansion: the ApplicationSet as a whole fails (its clusters keep their last good state).
 */
function asGitOpsError(err: unknown, file: string | undefined, field: string, where: BudgetWhere): GitOpsError {
  if (err instanceof GitOpsError && err.code === GITOPS_ERROR.budget) throw err;
  if (isBudgetExceeded(err)) throw renderBudgetError(err.message, { ...where, field });
  if (err instanceof GitOpsError) return err;
  if (isFlotillaError(err)) return new GitOpsError(GITOPS_ERROR.template, err.message, { file: err.file ?? file, field: err.field ?? field, cause: err });
  throw err;
}
