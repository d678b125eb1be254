import { errorMessage, silentLogger, type Logger } from "../core/index.js";
import { restoreKeys } from "../crypto/open.js";
import type { ClusterRender } from "../gitops/index.js";
import type { BundleHealthV1 } from "../protocol/index.js";
import { desiredApp, luaHealthOf, type DesiredState } from "./desired-state.js";
import type { ReconcileSummary } from "./spoke-reconciler.js";
import { SPOKE_ERROR, SpokeError } from "./spoke-errors.js";
import type { SpokeRuntime } from "./spoke-runtime.js";
import type { RenderBudget } from "../gitops/index.js";

export interface BootstrapOptions {
  /** The fleet repository: a local path or an https URL. */
  readonly repo: string;
  readonly revision?: string | undefined;
  readonly cluster: string;
  readonly runtime: SpokeRuntime;
  /** An age-armored key backup (`flotilla` spoke Hello `keyBackup`, or `backupKeys`) and the identity that opens it. */
  readonly restore?: { readonly backup: string; readonly identity: string; readonly file?: string } | undefined;
  readonly logger?: Logger;
  readonly cwd?: string | undefined;
  /** The hub's render budgets; with workers > 0, ApplicationSets render in worker threads as on the hub. */
  readonly render?: { readonly budget: RenderBudget; readonly workers: number } | undefined;
}

export interface BootstrapResult {
  readonly state: DesiredState;
  readonly summary: ReconcileSummary;
  /** Keys from the backup that were not in the cluster yet and were written. */
  readonly restoredKeys: number;
}

/** A cluster's render as desired state, in the shape the hub's bundle apps normalise to. */
export function desiredFromRender(render: ClusterRender, revision: string, health?: BundleHealthV1): DesiredState {
  return {
    generation: 0,
    revision,
    bundleDigest: render.digest,
    apps: render.apps.map((app) =>
      desiredApp({
        name: app.name,
        namespace: app.namespace,
        project: app.project,
        syncPolicy: app.syncPolicy,
        preserveResourcesOnDeletion: app.syncPolicy.preserveResourcesOnDeletion,
        ignoreDifferences: app.ignoreDifferences,
        objects: app.objects,
      }),
    ),
    source: "git",
    ...luaHealthOf(health === undefined ? { kind: "none" } : { kind: "lua", overrides: health.lua.overrides, files: health.lua.files }),
  };
}

/**
 * Disaster recovery with no hub: open the age key backup, render this cluster's state from Git
 * with gitops/ (the hub's own code), and only when all of that succeeded restore the keys and
 * reconcile once.
 * The runtime keeps running afterwards (`--then-join` hands it to a hub session unchanged).
 */
export async function bootstrapFromGit(options: BootstrapOptions): Promise<BootstrapResult> {
  const logger = options.logger ?? silentLogger();
  const { runtime } = options;
  // Everything that can fail on the user's input (the backup and its identity, the repository, the
  // cluster name, each ApplicationSet and app) is checked before the first write to the cluster:
  // a typo must not leave a namespace and restored keys behind.
  const restored = options.restore === undefined ? undefined : await restoreKeys(options.restore.backup, options.restore.identity, { file: options.restore.file });
  let render;
  try {
    // Loaded here, not at the top: a running spoke never renders Git, and the renderer with
    // isomorphic-git and the template engine costs ~20 MiB of resident memory (bench/footprint).
    const { renderFleet, RenderPool, DEFAULT_RENDER_BUDGET } = await import("../gitops/index.js");
    const budget = options.render?.budget ?? DEFAULT_RENDER_BUDGET;
    const workers = options.render?.workers ?? 0;
    const pool = workers > 0 ? new RenderPool({ size: workers, budget, logger }) : undefined;
    try {
      render = await renderFleet({ source: options.repo, revision: options.revision, clusterFilter: [options.cluster], cwd: options.cwd, budget, renderAppSet: pool?.renderer });
    } finally {
      await pool?.close();
    }
  } catch (err) {
    throw new SpokeError(SPOKE_ERROR.bootstrap, `cannot render ${options.repo}: ${errorMessage(err)}`, { cause: err, userError: true });
  }
  const cluster = render.clusters.find((c) => c.name === options.cluster);
  if (cluster === undefined) {
    throw new SpokeError(SPOKE_ERROR.bootstrap, `the fleet repository has no cluster named "${options.cluster}"`, { field: "--cluster", userError: true });
  }
  // An ApplicationSet that failed as a whole has no apps here: converging without it would prune them.
  const failedAppSet = render.appSets.find((a) => a.error !== undefined);
  if (failedAppSet?.error !== undefined) {
    throw new SpokeError(SPOKE_ERROR.bootstrap, `ApplicationSet ${failedAppSet.name} does not render: ${failedAppSet.error.code}: ${failedAppSet.error.message}`, {
      file: failedAppSet.error.file,
      userError: true,
    });
  }
  // Health scripts that do not load would leave custom resources rated by nothing: refuse, as for an ApplicationSet.
  const healthError = render.healthFailed === true ? render.errors.find((e) => e.file?.startsWith("health") === true) : undefined;
  if (render.healthFailed === true) {
    throw new SpokeError(SPOKE_ERROR.bootstrap, `the health customizations do not load: ${healthError?.code ?? ""}: ${healthError?.message ?? ""}`, { file: healthError?.file, userError: true });
  }
  const failed = cluster.apps.find((a) => a.error !== undefined);
  if (failed?.error !== undefined) {
    throw new SpokeError(SPOKE_ERROR.bootstrap, `app ${failed.name} does not render: ${failed.error.code}: ${failed.error.message}`, {
      file: failed.error.file,
      field: failed.error.field,
      userError: true,
    });
  }
  const state = desiredFromRender(cluster, render.revision, render.health);
  let restoredKeys = 0;
  if (restored !== undefined) {
    restoredKeys = await runtime.custody.storeKeys(restored.keys);
    logger.info({ keys: restoredKeys }, "restored sealing keys from the backup");
  }
  await runtime.custody.ensureSealingKeys();
  runtime.start();
  const pass = runtime.nextPass();
  runtime.setDesired(state);
  const summary = await pass;
  return { state, summary, restoredKeys };
}
