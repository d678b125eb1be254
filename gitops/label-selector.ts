import type { LabelSelector } from "../crds/index.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";

/** A compiled Kubernetes label selector (`matchLabels` AND every `matchExpressions` entry). */
export type LabelMatcher = (labels: Readonly<Record<string, string>>) => boolean;

const OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

/**
 * Compiles a selector the way `metav1.LabelSelectorAsSelector` does. An empty or absent selector
 * matches everything. Unknown operators are rejected up front, with the field that holds them.
 */
export function compileLabelSelector(selector: LabelSelector | undefined, field: string, file?: string): LabelMatcher {
  // `selector:` left empty in YAML is null: as absent, it matches every cluster (Go reads it as a nil selector).
  if (selector === undefined || selector === null) return () => true;
  const tests: LabelMatcher[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) tests.push((labels) => labels[key] === value);
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const where = `${field}.matchExpressions[${i}]`;
    if (!OPERATORS.has(expr.operator)) {
      throw new GitOpsError(GITOPS_ERROR.invalid, `unknown operator ${JSON.stringify(expr.operator)} (use In, NotIn, Exists or DoesNotExist)`, {
        file,
        field: `${where}.operator`,
      });
    }
    const values = new Set(expr.values ?? []);
    if ((expr.operator === "In" || expr.operator === "NotIn") && values.size === 0) {
      throw new GitOpsError(GITOPS_ERROR.invalid, `operator ${expr.operator} needs at least one value`, { file, field: `${where}.values` });
    }
    switch (expr.operator) {
      case "In":
        tests.push((labels) => labels[expr.key] !== undefined && values.has(labels[expr.key]));
        break;
      case "NotIn":
        tests.push((labels) => labels[expr.key] === undefined || !values.has(labels[expr.key]));
        break;
      case "Exists":
        tests.push((labels) => labels[expr.key] !== undefined);
        break;
      default:
        tests.push((labels) => labels[expr.key] === undefined);
    }
  });
  return (labels) => tests.every((test) => test(labels));
}
