import { describe, expect, it } from "vitest";
import { silentLogger, type Clock } from "../core/index.js";
import { isApiStatusError, type ApiStatusError } from "./api-status.js";
import { KubeApi, type ApiRequest, type WatchEvent } from "./kube-api.js";
import type { KubeObject } from "./kube-object.js";
import { ObjectStore } from "./object-store.js";
import { ResourceRegistry } from "./resource-registry.js";
import { SimulatedController } from "./simulated-controller.js";

/** A clock that only moves when the test says so; sleeps resolve when time passes them. */
class ManualClock implements Clock {
  #now = Date.parse("2026-01-01T00:00:00Z");
  readonly #sleepers: { until: number; resolve: () => void }[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#sleepers.push({ until: this.#now + ms, resolve }));
  }

  async advance(ms: number): Promise<void> {
    this.#now += ms;
    for (const s of this.#sleepers.filter((x) => x.until <= this.#now)) {
      this.#sleepers.splice(this.#sleepers.indexOf(s), 1);
      s.resolve();
    }
    await new Promise((r) => setImmediate(r));
  }
}

function setup(historyLimit = 100): { api: KubeApi; store: ObjectStore; clock: ManualClock } {
  const clock = new ManualClock();
  const store = new ObjectStore({ historyLimit });
  let n = 0;
  const api = new KubeApi({ store, registry: new ResourceRegistry(), clock, newUid: () => `uid-${++n}`, nameSuffix: () => "abcde" });
  const ns = api.registry.find("", "v1", "namespaces");
  if (ns !== undefined) api.ensure(ns, { metadata: { name: "default" } });
  return { api, store, clock };
}

function req(partial: Partial<ApiRequest> & Pick<ApiRequest, "verb" | "resource">): ApiRequest {
  return {
    group: "",
    version: "v1",
    namespace: "default",
    name: undefined,
    subresource: undefined,
    query: {},
    contentType: "application/json",
    accept: "application/json",
    userAgent: "kubectl/v1.32.4 (linux/amd64)",
    body: undefined,
    ...partial,
  };
}

function statusOf(fn: () => unknown): ApiStatusError {
  try {
    fn();
  } catch (err) {
    if (isApiStatusError(err)) return err;
    throw err;
  }
  throw new Error("expected an ApiStatusError");
}

const apps = { group: "apps", resource: "deployments" } as const;

function deploymentBody(image: string, replicas = 1): string {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } } },
  });
}

describe("KubeApi", () => {
  it("creates with uid, timestamps, defaults and generation; a spec change bumps generation, a label change does not", () => {
    const { api } = setup();
    const created = api.handle(req({ verb: "POST", ...apps, body: deploymentBody("nginx:1") })).body as KubeObject;
    expect(created.metadata).toMatchObject({ uid: "uid-2", generation: 1, creationTimestamp: "2026-01-01T00:00:00Z", resourceVersion: "2" });
    expect(created.spec).toMatchObject({ replicas: 1, progressDeadlineSeconds: 600, strategy: { type: "RollingUpdate" } });
    const patched = api.handle(req({ verb: "PATCH", ...apps, name: "web", contentType: "application/merge-patch+json", body: '{"spec":{"replicas":3}}' })).body as KubeObject;
    expect(patched.metadata.generation).toBe(2);
    const labelled = api.handle(req({ verb: "PATCH", ...apps, name: "web", contentType: "application/merge-patch+json", body: '{"metadata":{"labels":{"x":"y"}}}' })).body as KubeObject;
    expect(labelled.metadata.generation).toBe(2);
  });

  it("changes nothing on dryRun=All, not even the resourceVersion", () => {
    const { api, store } = setup();
    api.handle(req({ verb: "POST", ...apps, body: deploymentBody("nginx:1") }));
    const rv = store.resourceVersion;
    const dry = api.handle(req({ verb: "PATCH", ...apps, name: "web", query: { dryRun: "All" }, contentType: "application/strategic-merge-patch+json", body: '{"spec":{"replicas":5}}' }));
    expect((dry.body as { spec: { replicas: number } }).spec.replicas).toBe(5);
    api.handle(req({ verb: "POST", resource: "configmaps", query: { dryRun: "All" }, body: '{"metadata":{"name":"dry"}}' }));
    api.handle(req({ verb: "DELETE", ...apps, name: "web", query: { dryRun: "All" } }));
    expect(store.resourceVersion).toBe(rv);
    expect((store.get({ ...apps, namespace: "default", name: "web" })?.spec as { replicas: number }).replicas).toBe(1);
  });

  it("refuses stale resourceVersions, unknown namespaces, bad names and protobuf with Kubernetes statuses", () => {
    const { api } = setup();
    api.handle(req({ verb: "POST", resource: "configmaps", body: '{"metadata":{"name":"cfg"},"data":{"a":"1"}}' }));
    const stale = statusOf(() => api.handle(req({ verb: "PUT", resource: "configmaps", name: "cfg", body: '{"metadata":{"name":"cfg","resourceVersion":"1"},"data":{}}' })));
    expect([stale.code, stale.reason]).toEqual([409, "Conflict"]);
    const noNs = statusOf(() => api.handle(req({ verb: "POST", resource: "configmaps", namespace: "nowhere", body: '{"metadata":{"name":"x"}}' })));
    expect([noNs.code, noNs.message]).toEqual([404, 'namespaces "nowhere" not found']);
    const badName = statusOf(() => api.handle(req({ verb: "POST", resource: "configmaps", body: '{"metadata":{"name":"Bad_Name"}}' })));
    expect([badName.code, badName.reason]).toEqual([422, "Invalid"]);
    const proto = statusOf(() => api.handle(req({ verb: "POST", resource: "configmaps", contentType: "application/vnd.kubernetes.protobuf", body: "x" })));
    expect(proto.code).toBe(415);
    const malformed = statusOf(() => api.handle(req({ verb: "POST", resource: "configmaps", body: "{not json" })));
    expect([malformed.code, malformed.reason]).toEqual([400, "BadRequest"]);
    const exists = statusOf(() => api.handle(req({ verb: "POST", resource: "configmaps", body: '{"metadata":{"name":"cfg"}}' })));
    expect([exists.code, exists.message]).toEqual([409, 'configmaps "cfg" already exists']);
    const unknown = statusOf(() => api.handle(req({ verb: "GET", resource: "gizmos" })));
    expect(unknown.code).toBe(404);
  });

  it("never echoes Secret values in its error statuses", () => {
    const { api } = setup();
    const plaintext = "hunter2-plaintext-value";
    const bad = statusOf(() => api.handle(req({ verb: "POST", resource: "secrets", body: JSON.stringify({ metadata: { name: "s" }, data: { password: plaintext + "!" } }) })));
    expect(bad.code).toBe(422);
    expect(bad.message).toBe('Secret "s" is invalid: data[password]: Invalid value: illegal base64 data');
    api.handle(req({ verb: "POST", resource: "secrets", body: JSON.stringify({ metadata: { name: "ok" }, stringData: { password: plaintext } }) }));
    const malformed = statusOf(() => api.handle(req({ verb: "PATCH", resource: "secrets", name: "ok", contentType: "application/json-patch+json", body: JSON.stringify([{ op: "test", path: "/data/password", value: plaintext }]) })));
    expect(JSON.stringify(malformed.toStatus())).not.toContain(plaintext);
  });

  it("names objects from generateName", () => {
    const { api } = setup();
    const o = api.handle(req({ verb: "POST", resource: "configmaps", body: '{"metadata":{"generateName":"job-"}}' })).body as KubeObject;
    expect(o.metadata.name).toBe("job-abcde");
  });

  it("keeps an object with finalizers until the last finalizer is removed", () => {
    const { api, store } = setup();
    api.handle(req({ verb: "POST", resource: "configmaps", body: '{"metadata":{"name":"held","finalizers":["example.com/hold"]}}' }));
    const deleting = api.handle(req({ verb: "DELETE", resource: "configmaps", name: "held" })).body as KubeObject;
    expect(deleting.metadata.deletionTimestamp).toBe("2026-01-01T00:00:00Z");
    expect(store.get({ group: "", resource: "configmaps", namespace: "default", name: "held" })).toBeDefined();
    api.handle(req({ verb: "PATCH", resource: "configmaps", name: "held", contentType: "application/json-patch+json", body: '[{"op":"remove","path":"/metadata/finalizers"}]' }));
    expect(store.get({ group: "", resource: "configmaps", namespace: "default", name: "held" })).toBeUndefined();
  });

  it("deletes dependents in the background when their owner goes", () => {
    const { api, store } = setup();
    const owner = api.handle(req({ verb: "POST", resource: "configmaps", body: '{"metadata":{"name":"owner"}}' })).body as KubeObject;
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid };
    api.handle(req({ verb: "POST", resource: "secrets", body: JSON.stringify({ metadata: { name: "child", ownerReferences: [ref] } }) }));
    api.handle(req({ verb: "DELETE", resource: "configmaps", name: "owner", body: '{"propagationPolicy":"Background"}' }));
    expect(store.get({ group: "", resource: "secrets", namespace: "default", name: "child" })).toBeUndefined();
  });

  it("replays history to a watch from a resourceVersion and answers 410 for versions older than the history", () => {
    const { api } = setup(3);
    for (const v of ["1", "2", "3", "4"]) {
      api.handle(req({ verb: v === "1" ? "POST" : "PUT", resource: "configmaps", ...(v === "1" ? {} : { name: "w" }), body: JSON.stringify({ metadata: { name: "w" }, data: { v } }) }));
    }
    const events: WatchEvent[] = [];
    let closed = false;
    const stop = api.watch(req({ verb: "GET", resource: "configmaps", query: { resourceVersion: "4" } }), { send: (e) => events.push(e), close: () => (closed = true) });
    expect(events.map((e) => [e.type, (e.object as { data: { v: string } }).data.v])).toEqual([["MODIFIED", "4"]]);
    api.handle(req({ verb: "DELETE", resource: "configmaps", name: "w" }));
    expect(events.at(-1)?.type).toBe("DELETED");
    stop();
    const expired: WatchEvent[] = [];
    api.watch(req({ verb: "GET", resource: "configmaps", query: { resourceVersion: "1" } }), { send: (e) => expired.push(e), close: () => (closed = true) });
    expect(expired).toEqual([
      { type: "ERROR", object: expect.objectContaining({ kind: "Status", reason: "Expired", code: 410 }) as unknown },
    ]);
    expect(closed).toBe(true);
  });
});

describe("KubeApi watch selectors", () => {
  it("rejects a malformed selector or resourceVersion before streaming", () => {
    const { api } = setup();
    expect(statusOf(() => api.checkWatch(req({ verb: "GET", resource: "configmaps", query: { labelSelector: "a in (" } }))).code).toBe(400);
    expect(statusOf(() => api.checkWatch(req({ verb: "GET", resource: "configmaps", query: { resourceVersion: "abc" } }))).code).toBe(400);
    expect(statusOf(() => api.checkWatch(req({ verb: "GET", resource: "gizmos" }))).code).toBe(404);
  });

  it("reports an object that stops matching the label selector as DELETED and one that starts as ADDED", () => {
    const { api } = setup();
    api.handle(req({ verb: "POST", resource: "configmaps", body: '{"metadata":{"name":"m","labels":{"tier":"web"}}}' }));
    const events: string[] = [];
    api.watch(req({ verb: "GET", resource: "configmaps", query: { labelSelector: "tier=web" } }), {
      send: (e) => events.push(`${e.type} ${(e.object as KubeObject).metadata.labels?.tier ?? ""}`),
      close: () => undefined,
    });
    const relabel = (tier: string): void => {
      api.handle(req({ verb: "PATCH", resource: "configmaps", name: "m", contentType: "application/merge-patch+json", body: JSON.stringify({ metadata: { labels: { tier } } }) }));
    };
    relabel("db");
    relabel("cache");
    relabel("web");
    expect(events).toEqual(["ADDED web", "DELETED db", "ADDED web"]);
  });
});

describe("SimulatedController", () => {
  it("reports a deployment available after the delay, and a terminating namespace is emptied then removed", async () => {
    const { api, store, clock } = setup();
    const controller = new SimulatedController({ api, clock, logger: silentLogger(), faults: () => ({}), delayMs: 100, namespaceDeletionDelayMs: 500 });
    controller.start();
    api.handle(req({ verb: "POST", resource: "namespaces", namespace: undefined, body: '{"metadata":{"name":"shop"}}' }));
    api.handle(req({ verb: "POST", ...apps, namespace: "shop", body: deploymentBody("nginx:1", 2) }));
    const key = { ...apps, namespace: "shop", name: "web" };
    expect(store.get(key)?.status).toBeUndefined();
    await clock.advance(100);
    expect(store.get(key)?.status).toMatchObject({ observedGeneration: 1, replicas: 2, readyReplicas: 2, availableReplicas: 2 });

    const ns = api.handle(req({ verb: "DELETE", resource: "namespaces", namespace: undefined, name: "shop" })).body as KubeObject;
    expect(ns.status).toEqual({ phase: "Terminating" });
    const blocked = statusOf(() => api.handle(req({ verb: "POST", resource: "configmaps", namespace: "shop", body: '{"metadata":{"name":"late"}}' })));
    expect(blocked.code).toBe(403);
    expect(store.get(key)).toBeDefined();
    await clock.advance(500);
    expect(store.get(key)).toBeUndefined();
    expect(store.get({ group: "", resource: "namespaces", namespace: "", name: "shop" })).toBeUndefined();
    controller.stop();
  });

  type DeploymentStatus = {
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions: { type: string; status: string; reason: string }[];
  };
  const conditionsOf = (s: DeploymentStatus): string[][] => s.conditions.map((c) => [c.type, c.status, c.reason]);

  it("keeps a deployment a fault holds back Progressing until its progress deadline (scaled by timeFactor), then ProgressDeadlineExceeded", async () => {
    const { api, store, clock } = setup();
    // 600 s (the default progressDeadlineSeconds) × 0.001 = 600 ms of devcluster time.
    const controller = new SimulatedController({ api, clock, logger: silentLogger(), faults: () => ({ neverReadyDeployments: ["web"] }), delayMs: 10, namespaceDeletionDelayMs: 10, timeFactor: 0.001 });
    controller.start();
    api.handle(req({ verb: "POST", ...apps, body: deploymentBody("nginx:1") }));
    const status = (): DeploymentStatus => store.get({ ...apps, namespace: "default", name: "web" })?.status as DeploymentStatus;
    await clock.advance(10);
    expect(conditionsOf(status())).toEqual([
      ["Available", "False", "MinimumReplicasUnavailable"],
      ["Progressing", "True", "ReplicaSetUpdated"],
    ]);
    expect(status()).toMatchObject({ replicas: 1, updatedReplicas: 1, unavailableReplicas: 1 });
    await clock.advance(580);
    expect(status().conditions.find((c) => c.type === "Progressing")?.reason).toBe("ReplicaSetUpdated");
    await clock.advance(10);
    expect(status().conditions.find((c) => c.type === "Progressing")?.reason).toBe("ProgressDeadlineExceeded");
    expect(status().availableReplicas).toBeUndefined();
    controller.stop();
  });

  it("plays an unpullable image on a rollout: the old pods stay ready, the deadline passes, the fix completes it", async () => {
    const { api, store, clock } = setup();
    const controller = new SimulatedController({ api, clock, logger: silentLogger(), faults: () => ({ unpullableImages: ["*:does-not-exist"] }), delayMs: 10, namespaceDeletionDelayMs: 10 });
    controller.start();
    const key = { ...apps, namespace: "default", name: "web" };
    const status = (): DeploymentStatus => store.get(key)?.status as DeploymentStatus;
    api.handle(req({ verb: "POST", ...apps, body: deploymentBody("nginx:1.27", 4) }));
    await clock.advance(10);
    expect(status()).toMatchObject({ replicas: 4, updatedReplicas: 4, availableReplicas: 4 });

    // RollingUpdate 25%/25% of 4: one old pod goes, two new ones can never pull their image.
    api.handle(req({ verb: "PUT", ...apps, name: "web", body: deploymentBody("nginx:does-not-exist", 4) }));
    await clock.advance(10);
    expect(status()).toMatchObject({ replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 });
    expect(conditionsOf(status())).toEqual([
      ["Available", "True", "MinimumReplicasAvailable"],
      ["Progressing", "True", "ReplicaSetUpdated"],
    ]);
    // The default time factor (0.005) makes the default 600 s deadline 3 s.
    await clock.advance(2_900);
    expect(status().conditions.find((c) => c.type === "Progressing")?.reason).toBe("ReplicaSetUpdated");
    await clock.advance(100);
    expect(conditionsOf(status())).toEqual([
      ["Available", "True", "MinimumReplicasAvailable"],
      ["Progressing", "False", "ProgressDeadlineExceeded"],
    ]);
    expect(status()).toMatchObject({ availableReplicas: 3, updatedReplicas: 2 });

    api.handle(req({ verb: "PUT", ...apps, name: "web", body: deploymentBody("nginx:1.28", 4) }));
    await clock.advance(10);
    expect(conditionsOf(status())).toEqual([
      ["Available", "True", "MinimumReplicasAvailable"],
      ["Progressing", "True", "NewReplicaSetAvailable"],
    ]);
    expect(status()).toMatchObject({ replicas: 4, updatedReplicas: 4, availableReplicas: 4 });
    expect(status().unavailableReplicas).toBeUndefined();
    controller.stop();
  });

  it("keeps a pod with an unpullable image Pending in ImagePullBackOff, and its other containers running", async () => {
    const { api, store, clock } = setup();
    const controller = new SimulatedController({ api, clock, logger: silentLogger(), faults: () => ({ unpullableImages: ["nginx:does-not-exist"] }), delayMs: 10, namespaceDeletionDelayMs: 10 });
    controller.start();
    const pod = (name: string, spec: object): void => {
      api.handle(req({ verb: "POST", resource: "pods", body: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec }) }));
    };
    pod("bad", { containers: [{ name: "web", image: "nginx:does-not-exist" }, { name: "sidecar", image: "busybox:1.36" }] });
    pod("bad-init", { initContainers: [{ name: "setup", image: "nginx:does-not-exist" }], containers: [{ name: "web", image: "nginx:1.27" }] });
    pod("good", { initContainers: [{ name: "setup", image: "busybox:1.36" }], containers: [{ name: "web", image: "nginx:1.27" }] });
    await clock.advance(10);
    type State = Record<string, { reason?: string; message?: string } | undefined>;
    type PodStatus = {
      phase: string;
      conditions: { type: string; status: string; reason: string; message: string }[];
      containerStatuses: { name: string; ready: boolean; state: State }[];
      initContainerStatuses?: { name: string; state: State }[];
    };
    const statusOfPod = (name: string): PodStatus => store.get({ group: "", resource: "pods", namespace: "default", name })?.status as PodStatus;

    const bad = statusOfPod("bad");
    expect(bad.phase).toBe("Pending");
    expect(bad.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "False", reason: "ContainersNotReady", message: "containers with unready status: [web]" }));
    expect(bad.containerStatuses.map((c) => [c.name, c.ready, Object.keys(c.state)[0]])).toEqual([
      ["web", false, "waiting"],
      ["sidecar", true, "running"],
    ]);
    expect(bad.containerStatuses[0]?.state.waiting).toEqual({ reason: "ImagePullBackOff", message: 'Back-off pulling image "nginx:does-not-exist"' });
    expect(bad.initContainerStatuses).toBeUndefined();

    const blocked = statusOfPod("bad-init");
    expect(blocked.phase).toBe("Pending");
    expect(blocked.initContainerStatuses?.[0]?.state.waiting?.reason).toBe("ImagePullBackOff");
    expect(blocked.containerStatuses[0]?.state.waiting?.reason).toBe("PodInitializing");

    const good = statusOfPod("good");
    expect(good.phase).toBe("Running");
    expect(good.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "True" }));
    expect(good.initContainerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(good.containerStatuses.map((c) => [c.name, c.ready])).toEqual([["web", true]]);
    controller.stop();
  });
});
