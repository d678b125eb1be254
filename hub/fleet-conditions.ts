import type { FleetRender, RenderError } from "../gitops/index.js";
import type { AppIssue } from "./fleet-planner.js";

/**
 * Fleet-level conditions: HEAD (the commit the hub last fetched) could not be rendered or
 * published for some clusters, so those clusters keep their last good state and are behind HEAD.
 * Argo CD shows the same thing as an Application's ComparisonError; here it is one condition per
 * distinct failure, naming the commit, the file, the line and the clusters it holds back.
 */
export const CONDITION_TYPE = {
  /** The fleet repository could not be fetched (network, credentials): nothing newer is known. */
  source: "SourceError",
  /** HEAD was fetched but a file, an ApplicationSet or an app for some clusters did not render. */
  comparison: "ComparisonError",
  /** Rendered, but the signed desired state could not be published for some clusters. */
  publish: "PublishError",
} as const;
export type ConditionType = (typeof CONDITION_TYPE)[keyof typeof CONDITION_TYPE];

export interface FleetCondition {
  readonly type: ConditionType;
  readonly code: string;
  readonly message: string;
  /** The commit that failed (null when the source could not even be fetched). */
  readonly revision: string | null;
  readonly source?: string | undefined;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly field?: string | undefined;
  readonly appSet?: string | undefined;
  readonly app?: string | undefined;
  /** Clusters held back by it; `all` when it concerns the whole fleet. */
  readonly clusters: readonly string[] | "all";
}

export interface ConditionInputs {
  readonly sources: readonly { readonly id: string; readonly revision?: string | undefined; readonly error?: RenderError | undefined }[];
  readonly render: FleetRender | undefined;
  readonly issues: readonly AppIssue[];
  readonly publishErrors: readonly { readonly cluster: string; readonly message: string }[];
}

/** "line 12" in a field (the convention of gitops/ errors) or "line 12" / "yaml: line 12" in a message. */
export function lineOf(error: RenderError): number | undefined {
  const m = /^line (\d+)$/.exec(error.field ?? "") ?? /\bline (\d+)\b/.exec(error.message);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Messages as users should read them: no temporary directories, one line, bounded. */
export function cleanMessage(message: string): string {
  return message
    .replace(/\/tmp\/[^\s'":;]*/g, "<tmp>")
    .replace(/\s*\n\s*/g, "; ")
    .slice(0, 500);
}

function fromError(type: ConditionType, error: RenderError, rest: Partial<FleetCondition> & Pick<FleetCondition, "revision" | "clusters">): FleetCondition {
  const line = lineOf(error);
  return {
    type,
    code: error.code,
    message: cleanMessage(error.message),
    ...(error.file === undefined ? {} : { file: error.file }),
    ...(line === undefined ? {} : { line }),
    ...(error.field === undefined || /^line \d+$/.test(error.field) ? {} : { field: error.field }),
    ...rest,
  };
}

/** Pure: the conditions of the fleet now, most severe kind first, stable order within a kind. */
export function fleetConditions(input: ConditionInputs): FleetCondition[] {
  const out: FleetCondition[] = [];
  for (const s of input.sources) {
    if (s.error !== undefined) out.push(fromError(CONDITION_TYPE.source, s.error, { source: s.id, revision: s.revision ?? null, clusters: "all" }));
  }
  const revision = input.render?.revision ?? null;
  for (const e of input.render?.errors ?? []) out.push(fromError(CONDITION_TYPE.comparison, e, { revision, appSet: e.appSet, clusters: "all" }));
  for (const a of input.render?.appSets ?? []) {
    if (a.error !== undefined) out.push(fromError(CONDITION_TYPE.comparison, { ...a.error, file: a.error.file ?? a.file }, { revision, appSet: a.name, clusters: "all" }));
  }
  // One file failing the same way for 300 clusters (apps `web-<cluster>`) is one condition naming 300 clusters.
  const byKey = new Map<string, { issue: AppIssue; clusters: Set<string>; apps: Set<string> }>();
  for (const i of input.issues) {
    const key = `${i.appSet}\0${i.error.code}\0${i.error.file ?? ""}\0${i.error.field ?? ""}\0${i.error.message}`;
    const entry = byKey.get(key) ?? { issue: i, clusters: new Set<string>(), apps: new Set<string>() };
    entry.clusters.add(i.cluster);
    entry.apps.add(i.app);
    byKey.set(key, entry);
  }
  for (const { issue, clusters, apps } of byKey.values()) {
    const app = apps.size === 1 ? issue.app : undefined;
    out.push(fromError(CONDITION_TYPE.comparison, issue.error, { revision, appSet: issue.appSet, ...(app === undefined ? {} : { app }), clusters: [...clusters].sort() }));
  }
  const publishByMessage = new Map<string, string[]>();
  for (const p of input.publishErrors) publishByMessage.set(p.message, [...(publishByMessage.get(p.message) ?? []), p.cluster]);
  for (const [message, clusters] of publishByMessage) out.push(fromError(CONDITION_TYPE.publish, { code: "HUB_PUBLISH_FAILED", message }, { revision, clusters: clusters.sort() }));
  return out;
}

/** A stable identity for a condition, so the hub logs it once when it appears and once when it clears. */
export function conditionKey(c: FleetCondition): string {
  return [c.type, c.code, c.source ?? "", c.appSet ?? "", c.app ?? "", c.file ?? "", String(c.line ?? ""), c.message].join("\0");
}

/** Whether a condition holds this cluster back. */
export function affects(c: FleetCondition, cluster: string): boolean {
  return c.clusters === "all" || c.clusters.includes(cluster);
}

/** `apps/web/deploy.yaml:5: kustomize build failed: …` — the form compilers use. */
export function describeCondition(c: FleetCondition): string {
  const where = c.file === undefined ? "" : `${c.file}${c.line === undefined ? "" : `:${String(c.line)}`}: `;
  const at = c.revision === null ? "" : ` at ${c.revision.slice(0, 12)}`;
  return `${c.type}${at}: ${where}${c.message}`;
}
