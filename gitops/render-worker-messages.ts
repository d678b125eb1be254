import type { ApplicationSet } from "../crds/index.js";
import type { ChartSourceRequest } from "./chart-app-render.js";
import type { FleetCluster } from "./fleet-cluster.js";
import type { RepoRequester } from "./fleet-render.js";
import type { RenderError } from "./fleet-render-types.js";
import type { PackedOutcome } from "./packed-outcome.js";
import type { PackedSnapshot } from "./packed-snapshot.js";
import type { RenderBudget } from "./render-budget.js";

/** What a render worker is started with. */
export interface RenderWorkerData {
  readonly budget: RenderBudget;
}

/** The hub asks a worker to render one ApplicationSet. */
export interface RenderRequest {
  readonly type: "render";
  readonly id: number;
  readonly appSet: ApplicationSet;
  readonly file: string;
  readonly snapshot: PackedSnapshot;
  /**
   * The fleet's clusters: `list` only when this worker does not hold list `id` yet (it is the same
   * for every ApplicationSet of a render, and 10 000 clusters cost more to clone than to render).
   */
  readonly clusters: { readonly id: number; readonly list?: readonly FleetCluster[] | undefined };
  readonly wantedClusters?: readonly string[] | undefined;
  readonly fleetRepoURLs?: readonly string[] | undefined;
  /** The fleet snapshot's kustomizations may name remote bases (the hub's policy, decided on its thread). */
  readonly remoteBases: boolean;
}

/** The answer to a worker's request for another repository (fetched by the hub's thread). */
export interface RepoAnswer {
  readonly type: "repo";
  readonly req: number;
  readonly snapshot?: PackedSnapshot | undefined;
  /** This snapshot's kustomizations may name remote bases. */
  readonly remoteBases?: boolean | undefined;
  readonly error?: RenderError | undefined;
}

/** The answer to a worker's request for a chart from a Helm repository or registry (fetched by the hub's thread). */
export interface ChartAnswer {
  readonly type: "chart";
  readonly req: number;
  readonly archive?: { readonly location: string; readonly chart: string; readonly version: string; readonly digest: string; readonly bytes: Uint8Array } | undefined;
  readonly error?: RenderError | undefined;
}

export type ToWorker = RenderRequest | RepoAnswer | ChartAnswer;

export type FromWorker =
  | {
      readonly type: "repo";
      readonly id: number;
      readonly req: number;
      readonly repoURL: string;
      readonly revision: string;
      readonly field: string;
      /** Who asks: the hub's thread checks the source policy for it before fetching. */
      readonly requester?: RepoRequester | undefined;
    }
  | {
      readonly type: "chart";
      readonly id: number;
      readonly req: number;
      readonly source: ChartSourceRequest;
      readonly field: string;
      readonly requester: RepoRequester;
    }
  | { readonly type: "done"; readonly id: number; readonly outcome: PackedOutcome }
  | { readonly type: "crashed"; readonly id: number; readonly message: string };
