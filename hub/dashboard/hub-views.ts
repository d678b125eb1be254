import type { Clock } from "../../core/index.js";
import type { HubService } from "../hub-service.js";
import { ClusterViewCache } from "./cluster-view-cache.js";
import { diffManifests } from "../../gitops/index.js";
import type { KubeObject } from "../../kube/kube-object.js";
import type { DashboardAppDetail, DashboardCluster, DashboardRollout, DashboardViews } from "./dashboard-views.js";

/** The dashboard's views over a running HubService (its status views plus each app's reported objects). */
export function hubDashboardViews(hub: HubService, clock: Clock): DashboardViews {
  const cache = new ClusterViewCache(hub, clock);
  return {
    fleet: hub.fleet,
    now: () => clock.now(),
    clusters: (): readonly DashboardCluster[] => cache.clusters(),
    version: () => `${String(cache.version())}:${String(hub.rollouts().map((r) => r.record.updatedAt).join(","))}:${JSON.stringify(hub.conditions())}`,
    conditions: () => hub.conditions().map((c) => ({ ...c, clusters: c.clusters === "all" ? "all" : c.clusters.length })),
    appDetail: async (cluster: string, app: string): Promise<DashboardAppDetail | undefined> => {
      const head = hub.renderedClusters().find((c) => c.name === cluster)?.apps.find((a) => a.name === app);
      const published = hub.clusterState(cluster)?.bundle?.apps.find((a) => a.name === app);
      const diffs = head === undefined || head.error !== undefined ? [] : diffManifests((published?.objects ?? []) as KubeObject[], head.objects, { beforeLabel: "published", afterLabel: "head", namespace: head.namespace });
      const history = [];
      for (const h of hub.appHistory(cluster, app)) {
        const commit = await hub.commitInfo(h.revision);
        history.push({ id: h.id, revision: h.revision, deployedAt: h.deployedAt, kind: h.kind, initiatedBy: h.initiatedBy, message: commit?.message, author: commit?.author, committedAt: commit?.time });
      }
      const syncPolicy = head === undefined ? undefined : head.syncPolicy.automated === undefined ? "Manual" : "Automated";
      return { diffs, history, syncPolicy };
    },
    commit: async (revision: string) => {
      const info = await hub.commitInfo(revision);
      return info === undefined ? undefined : { message: info.message, author: info.author, time: info.time };
    },
    rollouts: (): DashboardRollout[] =>
      hub.rollouts().map((d) => ({
        appSet: d.record.appSet,
        revision: d.record.revision,
        phase: d.record.phase,
        currentStep: d.record.currentStep,
        message: d.record.message,
        startedAt: d.record.startedAt,
        updatedAt: d.record.updatedAt,
        rolledBack: d.record.rolledBack.map((cluster) => ({ cluster, revision: d.record.rolledBackTo?.[cluster] ?? null })),
        steps: d.steps.map((s) => ({ index: s.index, clusters: s.clusters.map((c) => ({ cluster: c.cluster, state: c.state })), ...d.record.stepTimes?.[String(s.index)] })),
      })),
  };
}
