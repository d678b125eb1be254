import type { ClusterSummary, RolloutSummary, SourceSummary } from "./hub-client.js";

/** What the hub reports at one poll: the demo compares two of these to tell what happened. */
export interface FleetSnapshot {
  readonly clusters: readonly ClusterSummary[];
  readonly sources: readonly SourceSummary[];
  readonly rollouts: readonly RolloutSummary[];
}

function short(revision: string | null | undefined): string {
  return revision === undefined || revision === null || revision === "" ? "-" : revision.slice(0, 7);
}

function state(sync: string, health: string): string {
  return `${sync}/${health}`;
}

/**
 * The lines a person watching the demo wants after it converged (pure): a commit the hub picked
 * up or failed to render, a rollout step that moved, a cluster or app that changed sync or health
 * or went offline. Nothing when nothing changed.
 */
export function fleetEvents(before: FleetSnapshot, after: FleetSnapshot): string[] {
  const lines: string[] = [];
  const oldSources = new Map(before.sources.map((s) => [s.id, s]));
  for (const s of after.sources) {
    const old = oldSources.get(s.id);
    if (s.revision !== undefined && s.revision !== old?.revision) lines.push(`hub: new commit ${short(s.revision)} in ${s.id}`);
    if (s.publishedRevision !== undefined && s.publishedRevision !== old?.publishedRevision) lines.push(`hub: rendered and published ${short(s.publishedRevision)}`);
    if (s.error !== undefined && s.error.message !== old?.error?.message) lines.push(`hub: ${s.id} does not render: ${s.error.code}: ${s.error.message}`);
    if (s.error === undefined && old?.error !== undefined) lines.push(`hub: ${s.id} renders again`);
  }
  const oldRollouts = new Map(before.rollouts.map((r) => [r.appSet, r]));
  for (const r of after.rollouts) {
    const old = oldRollouts.get(r.appSet);
    if (old === undefined || old.phase !== r.phase || old.message !== r.message) {
      lines.push(`rollout ${r.appSet}: ${old === undefined ? "" : `${old.phase} → `}${r.phase}${r.message === undefined || r.message === "" ? "" : ` (${r.message})`}`);
    }
  }
  const oldClusters = new Map(before.clusters.map((c) => [c.name, c]));
  for (const c of after.clusters) {
    const old = oldClusters.get(c.name);
    if (old === undefined) {
      lines.push(`${c.name}: joined, ${c.connection}`);
      continue;
    }
    if (old.connection !== c.connection) lines.push(`${c.name}: ${old.connection} → ${c.connection}`);
    if (old.applied?.revision !== c.applied?.revision && c.applied?.revision !== undefined && c.applied.revision !== null) {
      lines.push(`${c.name}: applied ${short(c.applied.revision)} (generation ${String(c.applied.generation ?? "-")})`);
    }
    const oldApps = new Map(old.apps.map((a) => [a.name, a]));
    for (const a of c.apps) {
      const was = oldApps.get(a.name);
      if (was === undefined) lines.push(`${c.name}: app ${a.name} added, ${state(a.sync, a.health)}`);
      else if (was.sync !== a.sync || was.health !== a.health) {
        const why = a.error?.message ?? a.message;
        lines.push(`${c.name}: app ${a.name} ${state(was.sync, was.health)} → ${state(a.sync, a.health)}${why === undefined || why === "" ? "" : ` (${why})`}`);
      }
    }
    for (const a of old.apps) if (!c.apps.some((n) => n.name === a.name)) lines.push(`${c.name}: app ${a.name} removed`);
  }
  for (const c of before.clusters) if (!after.clusters.some((n) => n.name === c.name)) lines.push(`${c.name}: no longer in the fleet`);
  return lines;
}
