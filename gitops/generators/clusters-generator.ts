import type { LabelSelector } from "../../crds/index.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { compileLabelSelector } from "../label-selector.js";
import type { FleetCluster } from "../fleet-cluster.js";
import type { GeneratorContext } from "./generator-context.js";
import { appendTemplatedValues, stringValues } from "./generator-values.js";
import { sanitizeName, type Params } from "./param-utils.js";

/**
 * The clusters generator (Argo `cluster.go`): one param set per cluster whose labels match
 * `selector`, with `name`, `nameNormalized`, `server`, `project`, the labels and annotations
 * (`metadata.labels.<k>` in fasttemplate mode, `.metadata.labels` maps in goTemplate mode) and
 * `values`. `flatList: true` yields one param set `{clusters: [...]}`. Flotilla has no implicit
 * in-cluster entry: only declared clusters are generated.
 */
export function clustersGenerator(spec: Record<string, unknown>, ctx: GeneratorContext, field: string): Params[] {
  const matches = compileLabelSelector(spec["selector"] as LabelSelector | undefined, `${field}.selector`, ctx.file);
  const values = stringValues(spec["values"], `${field}.values`, ctx.file);
  const out: Params[] = [];
  for (const cluster of byName(ctx.clusters)) {
    if (!matches(cluster.labels)) continue;
    const params = clusterParams(cluster, ctx.mode.goTemplate);
    out.push(appendTemplatedValues(params, values, ctx, `${field}.values`));
  }
  if (spec["flatList"] === true) return [{ clusters: out }];
  if (spec["flatList"] !== undefined && typeof spec["flatList"] !== "boolean") {
    throw new GitOpsError(GITOPS_ERROR.invalid, "flatList must be a boolean", { file: ctx.file, field: `${field}.flatList` });
  }
  return out;
}

const sortedClusters = new WeakMap<readonly FleetCluster[], readonly FleetCluster[]>();

/** The fleet's clusters by name, sorted once per fleet list: every ApplicationSet of a render shares the list. */
function byName(clusters: readonly FleetCluster[]): readonly FleetCluster[] {
  let sorted = sortedClusters.get(clusters);
  if (sorted === undefined || sorted.length !== clusters.length) {
    sorted = Object.freeze([...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
    sortedClusters.set(clusters, sorted);
  }
  return sorted;
}

export function clusterParams(cluster: FleetCluster, goTemplate: boolean): Params {
  const params: Params = {
    name: cluster.name,
    nameNormalized: sanitizeName(cluster.name),
    server: cluster.server,
    project: cluster.project,
  };
  if (goTemplate) {
    const meta: Params = {};
    if (Object.keys(cluster.annotations).length > 0) meta["annotations"] = { ...cluster.annotations };
    if (Object.keys(cluster.labels).length > 0) meta["labels"] = { ...cluster.labels };
    params["metadata"] = meta;
    if (Object.keys(cluster.values).length > 0) params["values"] = { ...cluster.values };
  } else {
    for (const [k, v] of Object.entries(cluster.annotations)) params[`metadata.annotations.${k}`] = v;
    for (const [k, v] of Object.entries(cluster.labels)) params[`metadata.labels.${k}`] = v;
    for (const [k, v] of Object.entries(cluster.values)) params[`values.${k}`] = v;
  }
  return params;
}
