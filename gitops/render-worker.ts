import { parentPort, workerData } from "node:worker_threads";
import { errorMessage } from "../core/index.js";
import type { ChartResolver } from "./chart-app-render.js";
import type { ChartArchive } from "./charts/chart-fetcher.js";
import type { FleetCluster } from "./fleet-cluster.js";
import { fleetRepoResolver, renderApplicationSet, type RepoResolver } from "./fleet-render.js";
import { GitOpsError, type GitOpsErrorCode } from "./gitops-errors.js";
import { packOutcome } from "./packed-outcome.js";
import { unpackSnapshot, type PackedSnapshot } from "./packed-snapshot.js";
import { commandKustomizeRunner } from "./render/kustomize-runner.js";
import { deepFreeze } from "./render/manifest-objects.js";
import { ManifestRenderer } from "./render/manifest-renderer.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import type { FromWorker, RenderRequest, RenderWorkerData, ToWorker } from "./render-worker-messages.js";

// A render worker (the I/O edge around renderApplicationSet): it receives one ApplicationSet at a
// time with the fleet snapshot, asks the hub's thread for any other repository, and answers with
// the outcome. The hub terminates it when the ApplicationSet's wall time runs out.

if (parentPort === null) throw new Error("render-worker.js runs only as a worker thread");
const port = parentPort;
const { budget } = workerData as RenderWorkerData;

/** Snapshot sources whose kustomizations may name remote bases (the hub decides, per snapshot). */
const remoteBaseSources = new Set<string>();

/** Unpacked snapshots by source and revision: the tasks of one revision share them. */
const snapshots = new Map<string, RepoSnapshot>();
const pending = new Map<number, { resolve: (s: RepoSnapshot) => void; reject: (e: Error) => void }>();
const pendingCharts = new Map<number, { resolve: (a: ChartArchive) => void; reject: (e: Error) => void }>();
let nextReq = 0;

/** The cluster list of the current render: the hub sends it once per list, not per ApplicationSet. */
let clusters: { readonly id: number; readonly list: readonly FleetCluster[] } | undefined;

function clustersOf(msg: RenderRequest): readonly FleetCluster[] {
  if (msg.clusters.list !== undefined) clusters = { id: msg.clusters.id, list: deepFreeze(msg.clusters.list) };
  // The hub tracks which list each worker holds; a mismatch is a bug in the pool, not user input.
  if (clusters?.id !== msg.clusters.id) throw new Error(`cluster list ${msg.clusters.id} was never sent to this worker`);
  return clusters.list;
}

function unpacked(p: PackedSnapshot): RepoSnapshot {
  const key = `${p.source}\0${p.revision}`;
  let hit = snapshots.get(key);
  if (hit === undefined) {
    hit = unpackSnapshot(p);
    if (snapshots.size >= 8) snapshots.delete(snapshots.keys().next().value as string);
    snapshots.set(key, hit);
  }
  return hit;
}

function post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
}

async function render(msg: RenderRequest): Promise<void> {
  const snapshot = unpacked(msg.snapshot);
  if (msg.remoteBases) remoteBaseSources.add(snapshot.source);
  else remoteBaseSources.delete(snapshot.source);
  const remote: RepoResolver = (repoURL, revision, field, requester) =>
    new Promise((resolve, reject) => {
      const req = nextReq++;
      pending.set(req, { resolve, reject });
      post({ type: "repo", id: msg.id, req, repoURL, revision, field, requester });
    });
  const charts: ChartResolver = (source, where, requester) =>
    new Promise((resolve, reject) => {
      const req = nextReq++;
      pendingCharts.set(req, { resolve, reject });
      post({ type: "chart", id: msg.id, req, source, field: where.field, requester });
    });
  const manifests = new ManifestRenderer({
    kustomize: commandKustomizeRunner({ timeoutMs: budget.timeoutMs, maxOutputBytes: budget.maxOutputBytes }),
    remoteBases: (source) => remoteBaseSources.has(source),
  });
  try {
    const outcome = await renderApplicationSet(
      { appSet: msg.appSet, file: msg.file },
      {
        snapshot,
        clusters: clustersOf(msg),
        wantedClusters: msg.wantedClusters === undefined ? undefined : new Set(msg.wantedClusters),
        repo: fleetRepoResolver(snapshot, msg.fleetRepoURLs, remote),
        manifests,
        budget,
        now: () => performance.now(),
        charts,
      },
    );
    const packed = packOutcome(outcome);
    post({ type: "done", id: msg.id, outcome: packed }, [packed.shapeOf.buffer as ArrayBuffer]);
  } catch (err) {
    post({ type: "crashed", id: msg.id, message: errorMessage(err) });
  } finally {
    await manifests.dispose();
  }
}

port.on("message", (msg: ToWorker) => {
  if (msg.type === "render") {
    void render(msg);
    return;
  }
  if (msg.type === "chart") {
    const waitingChart = pendingCharts.get(msg.req);
    if (waitingChart === undefined) return;
    pendingCharts.delete(msg.req);
    if (msg.archive !== undefined) waitingChart.resolve(msg.archive);
    else {
      const e = msg.error ?? { code: "GITOPS_CHART_FETCH", message: "chart not available" };
      waitingChart.reject(new GitOpsError(e.code as GitOpsErrorCode, e.message, { file: e.file, field: e.field }));
    }
    return;
  }
  const waiting = pending.get(msg.req);
  if (waiting === undefined) return;
  pending.delete(msg.req);
  if (msg.snapshot !== undefined) {
    const snapshot = unpacked(msg.snapshot);
    if (msg.remoteBases === true) remoteBaseSources.add(snapshot.source);
    waiting.resolve(snapshot);
  }
  else {
    const e = msg.error ?? { code: "GITOPS_GIT", message: "repository not available" };
    waiting.reject(new GitOpsError(e.code as GitOpsErrorCode, e.message, { file: e.file, field: e.field }));
  }
});
