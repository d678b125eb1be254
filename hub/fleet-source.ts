import type { FleetRender } from "../gitops/fleet-render-types.js";
import type { CommitInfo } from "../gitops/git-source.js";

/**
 * Where the hub gets desired state from: one fleet repository, fetched and rendered. The gitops
 * implementation is `GitFleetSource`; tests may wrap anything that yields a FleetRender.
 * `load` throws a FlotillaError for an unreachable repo or bad credentials; per-app render errors are
 * inside the FleetRender instead, so the rest of the fleet keeps going.
 */
export interface DesiredStateSource {
  /** A stable, secret-free name (the repo URL without credentials). */
  readonly id: string;
  load(signal?: AbortSignal): Promise<FleetRender>;
  /** A commit's message, author and time, for the dashboard's history (optional). */
  commitInfo?(oid: string): Promise<CommitInfo | undefined>;
}
