import type { ClusterSummary, SourceSummary } from "./hub-client.js";

/** What the demo waits for: each cluster's state as the hub reports it. */
export interface FleetProgress {
  readonly lines: readonly string[];
  readonly converged: boolean;
}

function clusterConverged(c: ClusterSummary | undefined): boolean {
  if (c?.connection !== "Online" || c.apps.length === 0) return false;
  if (c.desired?.generation === undefined || c.desired.generation === null) return false;
  if (c.applied?.generation !== c.desired.generation) return false;
  return c.apps.every((a) => a.sync === "Synced" && a.health === "Healthy");
}

/**
 * The live progress view (pure): one line per demo cluster, and whether the whole fleet is
 * Synced/Healthy at the revision the demo committed last.
 */
export function fleetProgress(input: {
  readonly names: readonly string[];
  readonly clusters: readonly ClusterSummary[];
  readonly sources: readonly SourceSummary[];
  readonly revision: string;
}): FleetProgress {
  const byName = new Map(input.clusters.map((c) => [c.name, c]));
  const width = Math.max(...input.names.map((n) => n.length));
  const lines = input.names.map((name) => {
    const c = byName.get(name);
    if (c === undefined) return `  ${name.padEnd(width)}   waiting for the hub`;
    const synced = c.apps.filter((a) => a.sync === "Synced").length;
    const healthy = c.apps.filter((a) => a.health === "Healthy").length;
    const mark = clusterConverged(c) ? "✓" : "…";
    const apps = `${String(synced)}/${String(c.apps.length)} synced, ${String(healthy)}/${String(c.apps.length)} healthy`;
    return `${mark} ${name.padEnd(width)}   ${c.connection.padEnd(7)}   ${apps.padEnd(26)}   ${c.sync}/${c.health}`;
  });
  const hubAtRevision = input.sources.length > 0 && input.sources.every((s) => s.publishedRevision === input.revision);
  const hubLine = hubAtRevision ? `✓ hub rendered ${input.revision.slice(0, 7)}` : `… hub rendering ${input.revision.slice(0, 7)}`;
  return { lines: [hubLine, ...lines], converged: hubAtRevision && input.names.every((n) => clusterConverged(byName.get(n))) };
}
