import type { RepoSnapshot } from "../repo-snapshot.js";
import type { TemplateMode } from "../template-engine.js";
import type { FleetCluster } from "../fleet-cluster.js";
import type { Params } from "./param-utils.js";

/** What generators may read: the fleet's clusters and repository snapshots. Nothing else. */
export interface GeneratorContext {
  readonly mode: TemplateMode;
  readonly clusters: readonly FleetCluster[];
  /** The snapshot of `repoURL` at `revision` (cached per commit by the caller). */
  readonly repo: (repoURL: string, revision: string, field: string) => Promise<RepoSnapshot>;
  /** The file the ApplicationSet came from, for error locations. */
  readonly file: string | undefined;
  /** The ApplicationSet name, for template names in messages. */
  readonly appSetName: string;
}

/** One generator entry of `spec.generators` (or of a matrix/merge child list), as written. */
export type GeneratorSpec = Record<string, unknown>;

/** A generator's output: the param sets and, when the generator carries one, its own template. */
export interface GeneratorResult {
  readonly params: Params[];
  /** `generators[i].<kind>.template`, merged over the ApplicationSet's template by the caller. */
  readonly template: Record<string, unknown> | undefined;
}

/** Runs a matrix or merge child (interpolated with `parentParams` when given); it must yield one result. */
export type ChildParams = (spec: unknown, ctx: GeneratorContext, field: string, parentParams?: Params) => Promise<Params[]>;
