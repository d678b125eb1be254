import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterSummary } from "../../demo/index.js";
import { runFlotilla } from "../harness/index.js";
import { SPOKE_NAMESPACE, startFleet, type TestFleet } from "./fleet-harness.js";

// User story (issue 10), "Fleet operator": one fleet of real processes (nats-server, the hub, and a
// devcluster + spoke for prod-eu, prod-us and staging) driven only through Git commits, kubectl and
// the hub's API, the way an operator works. Each `it` is one step of the story, in order.

const PROD = ["prod-eu", "prod-us"] as const;
const ALL = ["prod-eu", "prod-us", "staging"] as const;
const GOOD_IMAGE = "nginx:1.27";
const BAD_IMAGE = "nginx:does-not-exist";

// ---- the fleet repository, as an operator writes it ----

/** Something every cluster runs from the start, so the whole fleet has a health to converge on. */
const BASE_APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: base
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'base-{{.name}}'
    spec:
      project: default
      source:
        repoURL: .
        targetRevision: HEAD
        path: apps/base
      destination:
        name: '{{.name}}'
        namespace: fleet-base
      syncPolicy:
        automated:
          prune: true
          selfHeal: true
        syncOptions:
        - CreateNamespace=true
`;

const BASE_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: fleet-info
data:
  managed-by: flotilla
`;

/** The story's app: prod clusters only; the release to run is an ApplicationSet value. */
function shopAppSet(release: string): string {
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: shop
spec:
  generators:
  - clusters:
      selector:
        matchLabels:
          env: prod
      values:
        release: ${release}
  template:
    metadata:
      name: 'shop-{{.name}}'
      labels:
        region: '{{index .metadata.labels "region"}}'
    spec:
      project: default
      source:
        repoURL: .
        targetRevision: HEAD
        path: 'apps/shop/{{.values.release}}'
      destination:
        name: '{{.name}}'
        namespace: shop
      syncPolicy:
        automated:
          prune: true
          selfHeal: true
        syncOptions:
        - CreateNamespace=true
`;
}

function shopRelease(release: string, replicas: number): Record<string, string> {
  return {
    [`apps/shop/${release}/configmap.yaml`]: `apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
data:
  release: ${release}
  greeting: "welcome to shop ${release}"
`,
    [`apps/shop/${release}/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: ${String(replicas)}
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      containers:
      - name: shop
        image: ${GOOD_IMAGE}
`,
  };
}

/** A RollingSync ApplicationSet on every cluster: staging first, then prod; rolls itself back. */
const WEB_APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'web-{{.name}}'
      labels:
        env: '{{index .metadata.labels "env"}}'
    spec:
      project: default
      source:
        repoURL: .
        targetRevision: HEAD
        path: apps/web
      destination:
        name: '{{.name}}'
        namespace: web
      syncPolicy:
        automated:
          prune: true
          selfHeal: true
        syncOptions:
        - CreateNamespace=true
  strategy:
    type: RollingSync
    rollingSync:
      autoRollback: true
      steps:
      - matchExpressions:
        - key: env
          operator: In
          values: [staging]
      - matchExpressions:
        - key: env
          operator: In
          values: [prod]
`;

function webDeployment(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${image}
`;
}

// ---- what the operator looks at ----

interface RolloutView {
  appSet: string;
  revision: string;
  phase: string;
  currentStep: number;
  message?: string;
  released: string[];
  rolledBack: string[];
  steps: { index: number; clusters: { cluster: string; state: string }[] }[];
}

interface Deployment {
  metadata: { labels?: Record<string, string> };
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
  status?: { conditions?: { type: string; status: string; reason: string }[] };
}

/**
 * `kubectl get deployment --watch` in the background: every version of the object the API server
 * shows, one line each (`generation image progressing-reason`), so "never" can be asserted.
 */
interface DeploymentWatch {
  lines(): string[];
  /** True while kubectl still watches (it has not exited). */
  alive(): boolean;
  stop(): void;
}

function watchDeployment(fleet: TestFleet, cluster: string, namespace: string, name: string): DeploymentWatch {
  const template = '{.status.availableReplicas} {.metadata.generation} {.spec.template.spec.containers[0].image} {.status.conditions[?(@.type=="Progressing")].reason}{"\\n"}';
  const child: ChildProcess = spawn("kubectl", ["--kubeconfig", fleet.kubeconfig(cluster), "get", "deployment", name, "-n", namespace, "--watch", "-o", `jsonpath=${template}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let exited = false;
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  child.on("exit", () => (exited = true));
  return {
    lines: () => out.split("\n").filter((l) => l.trim() !== ""),
    alive: () => !exited,
    stop: () => {
      if (!exited) child.kill("SIGTERM");
    },
  };
}

let fleet: TestFleet;
/** The story is one sequence: once a step fails, the later ones say so at once instead of timing out. */
let failedStep: string | undefined;

function step(name: string, body: () => Promise<void> | void): void {
  it(name, async () => {
    if (failedStep !== undefined) throw new Error(`skipped: the earlier step "${failedStep}" failed`);
    try {
      await body();
    } catch (err) {
      failedStep = name;
      throw err;
    }
  });
}

let faultsDir: string;
/** The commit each step made; later steps compare against earlier ones. */
const rev = { base: "", shop: "", v2: "", web: "", bad: "", v3: "", deleted: "" };

async function cluster(name: string): Promise<ClusterSummary | undefined> {
  return (await fleet.hub().clusters()).find((c) => c.name === name);
}

async function webRollout(): Promise<RolloutView | undefined> {
  return (await fleet.hub().rollouts()).find((r) => r.appSet === "web") as RolloutView | undefined;
}

function stateIn(rollout: RolloutView, name: string): string | undefined {
  return rollout.steps.flatMap((s) => s.clusters).find((c) => c.cluster === name)?.state;
}

async function deployment(name: string, namespace: string, on: string): Promise<Deployment | undefined> {
  return fleet.getJson<Deployment>(on, "deployment", name, "-n", namespace);
}

async function imageOf(name: string, namespace: string, on: string): Promise<string | undefined> {
  return (await deployment(name, namespace, on))?.spec.template.spec.containers[0]?.image;
}

async function configValue(on: string, key: string): Promise<string | undefined> {
  return (await fleet.getJson<{ data: Record<string, string> }>(on, "configmap", "shop-config", "-n", "shop"))?.data[key];
}

beforeAll(async () => {
  // Every devcluster plays a real registry that has no `*:does-not-exist` tag.
  faultsDir = await mkdtemp(join(tmpdir(), "flotilla-story-faults-"));
  const faults = join(faultsDir, "faults.json");
  await writeFile(faults, JSON.stringify({ unpullableImages: ["*:does-not-exist"] }));
  fleet = await startFleet({
    files: { "appsets/base.yaml": BASE_APPSET, "apps/base/configmap.yaml": BASE_CONFIG },
    devclusterFlags: () => ["--faults", faults],
  });
});

afterAll(async () => {
  await fleet?.stop();
  if (faultsDir !== undefined) await rm(faultsDir, { recursive: true, force: true });
});

describe("user story: fleet operator", () => {
  step("starts from a fleet that runs only its base: every cluster converges", async () => {
    rev.base = await fleet.repo.head();
    const clusters = await fleet.converged(rev.base);
    expect(clusters.map((c) => [c.name, c.labels.env])).toEqual([
      ["prod-eu", "prod"],
      ["prod-us", "prod"],
      ["staging", "staging"],
    ]);
    for (const name of ALL) {
      expect((await cluster(name))?.apps.map((a) => a.name)).toEqual([`base-${name}`]);
      expect(await fleet.getJson(name, "namespace", "shop")).toBeUndefined();
    }
  });

  step("commits an ApplicationSet targeting env=prod: only the prod clusters get it", async () => {
    rev.shop = await fleet.repo.commit({ "appsets/shop.yaml": shopAppSet("v1"), ...shopRelease("v1", 2) }, "shop: release v1 to prod");
    await fleet.converged(rev.shop, PROD);
    for (const name of PROD) {
      const shop = await deployment("shop", "shop", name);
      expect(shop?.spec.replicas).toBe(2);
      expect(shop?.spec.template.spec.containers[0]?.image).toBe(GOOD_IMAGE);
      // Rendered per cluster from the template: the app is named after the cluster.
      expect(shop?.metadata.labels?.["flotilla.dev/app"]).toBe(`shop-${name}`);
      expect(await configValue(name, "release")).toBe("v1");
    }
    // staging is not selected: no objects, no namespace, and the commit published nothing to it.
    expect(await fleet.getJson("staging", "namespace", "shop")).toBeUndefined();
    expect(await fleet.getJson("staging", "deployment", "shop", "-n", "shop")).toBeUndefined();
    expect(await fleet.getJson("staging", "configmap", "shop-config", "-n", "shop")).toBeUndefined();
    const staging = await cluster("staging");
    expect(staging?.apps.map((a) => a.name)).toEqual(["base-staging"]);
    expect(staging?.desired?.revision).toBe(rev.base);
    expect(staging).toMatchObject({ connection: "Online", sync: "Synced", health: "Healthy" });
  });

  step("changes a value of the ApplicationSet: every prod cluster converges on it", async () => {
    rev.v2 = await fleet.repo.commit({ "appsets/shop.yaml": shopAppSet("v2"), ...shopRelease("v2", 3) }, "shop: release v2");
    await fleet.converged(rev.v2, PROD);
    for (const name of PROD) {
      expect(await configValue(name, "release")).toBe("v2");
      expect(await configValue(name, "greeting")).toBe("welcome to shop v2");
      expect((await deployment("shop", "shop", name))?.spec.replicas).toBe(3);
    }
    expect(await fleet.getJson("staging", "namespace", "shop")).toBeUndefined();
  });

  step("rolls a bad image out with RollingSync: it halts at step one, prod never gets it, staging is rolled back", async () => {
    rev.web = await fleet.repo.commit({ "appsets/web.yaml": WEB_APPSET, "apps/web/deployment.yaml": webDeployment(GOOD_IMAGE) }, "web: RollingSync, staging first");
    await fleet.converged(rev.web);
    expect((await webRollout())?.phase).toBe("Completed");
    for (const name of ALL) expect(await imageOf("web", "web", name)).toBe(GOOD_IMAGE);

    // Watch the Deployment on every cluster for the whole rollout: every version kubectl sees.
    const watches = new Map(ALL.map((name) => [name, watchDeployment(fleet, name, "web", "web")]));
    try {
      for (const [name, w] of watches) await fleet.waitFor(`kubectl watch on ${name}`, () => (w.lines().some((l) => l.includes(GOOD_IMAGE)) ? true : undefined), 30_000);

      rev.bad = await fleet.repo.commit({ "apps/web/deployment.yaml": webDeployment(BAD_IMAGE) }, "web: new image");
      const prodImages = new Set<string>();
      const rolledBack = await fleet.waitFor("the web rollout to halt and roll back", async () => {
        // Polled as well as watched: prod shows the old image at every look.
        for (const name of PROD) prodImages.add((await imageOf("web", "web", name)) ?? "none");
        const r = await webRollout();
        return r?.revision === rev.bad && r.phase === "RolledBack" ? r : undefined;
      });
      expect(rolledBack).toMatchObject({
        currentStep: 0,
        message: "step 1 halted: staging Degraded; rolled back staging",
        released: ["staging"],
        rolledBack: ["staging"],
      });
      expect(stateIn(rolledBack, "staging")).toBe("RolledBack");
      for (const name of PROD) expect(stateIn(rolledBack, name)).toBe("Waiting");

      // Staging runs the previous, good image again and is Healthy.
      await fleet.waitFor("staging back on the good image and Healthy", async () => {
        const d = await deployment("web", "web", "staging");
        const progressing = d?.status?.conditions?.find((c) => c.type === "Progressing")?.reason;
        const view = await cluster("staging");
        const settled = view?.connection === "Online" && view.sync === "Synced" && view.health === "Healthy" && view.applied?.generation === view.desired?.generation;
        return d?.spec.template.spec.containers[0]?.image === GOOD_IMAGE && progressing === "NewReplicaSetAvailable" && settled ? true : undefined;
      });
      for (const name of PROD) prodImages.add((await imageOf("web", "web", name)) ?? "none");

      // What kubectl saw on staging: the bad image progressing while the old pods keep serving (2 of
      // 2 available), then stuck past its deadline (ProgressDeadlineExceeded, as with an image that
      // cannot be pulled), then the good image back and available.
      const staging = watches.get("staging")?.lines() ?? [];
      const stuckAt = staging.findIndex((l) => l.endsWith(`${BAD_IMAGE} ProgressDeadlineExceeded`));
      expect(stuckAt, staging.join("\n")).toBeGreaterThanOrEqual(0);
      const progressingAt = staging.findIndex((l) => l.endsWith(`${BAD_IMAGE} ReplicaSetUpdated`));
      expect(progressingAt, staging.join("\n")).toBeGreaterThanOrEqual(0);
      expect(progressingAt, staging.join("\n")).toBeLessThan(stuckAt);
      expect(staging[progressingAt]?.split(" ")[0], staging.join("\n")).toBe("2");
      expect(staging[stuckAt]?.split(" ")[0], staging.join("\n")).toBe("2");
      expect(staging.slice(stuckAt + 1).some((l) => l.endsWith(`${GOOD_IMAGE} NewReplicaSetAvailable`)), staging.join("\n")).toBe(true);
      // What kubectl saw on prod: never the bad image, from before the commit until now.
      for (const name of PROD) {
        const w = watches.get(name);
        expect(w?.alive()).toBe(true);
        const seen = w?.lines() ?? [];
        expect(seen.length).toBeGreaterThan(0);
        expect(seen.filter((l) => !l.includes(` ${GOOD_IMAGE} `)), `${name} saw:\n${seen.join("\n")}`).toEqual([]);
      }
      expect([...prodImages]).toEqual([GOOD_IMAGE]);
      expect(watches.get("staging")?.alive()).toBe(true);
    } finally {
      for (const w of watches.values()) w.stop();
    }

    // The broken commit is not retried: the fleet has converged on it (staging rolled back, prod
    // untouched: the commit published nothing to prod), and `flotilla status` says all is well.
    await fleet.converged(rev.bad);
    for (const name of PROD) expect((await cluster(name))?.applied?.revision).toBe(rev.web);
    const status = await runFlotilla(["status", "--hub", fleet.hubUrl()]);
    expect(status.stderr).toBe("");
    expect(status.code).toBe(0);
    for (const name of ALL) expect(status.stdout).toContain(name);
    expect(status.stdout).not.toContain("Degraded");
  });

  step("a stopped spoke shows as offline and catches up when it is restarted", async () => {
    // prod-us last got new content from the web rollout (the bad commit published nothing to it).
    expect((await cluster("prod-us"))?.applied?.revision).toBe(rev.web);
    await fleet.stopSpoke("prod-us");
    await fleet.waitFor("prod-us Offline", async () => ((await cluster("prod-us"))?.connection === "Offline" ? true : undefined), 60_000);

    rev.v3 = await fleet.repo.commit({ "appsets/shop.yaml": shopAppSet("v3"), ...shopRelease("v3", 3) }, "shop: release v3");
    await fleet.converged(rev.v3, ["prod-eu"]);
    expect(await configValue("prod-eu", "release")).toBe("v3");
    // prod-us is offline, not failed: the hub has its new state waiting, the cluster still runs v2.
    const offline = await cluster("prod-us");
    expect(offline?.connection).toBe("Offline");
    expect(offline?.desired?.revision).toBe(rev.v3);
    expect(offline?.applied?.revision).toBe(rev.web);
    // …and `flotilla status` says so: OutOfSync, not the Synced of its last report.
    expect(offline?.sync).toBe("OutOfSync");
    const status = await runFlotilla(["status", "--hub", fleet.hubUrl(), "--cluster", "prod-us"]);
    expect(status.stdout).toMatch(/^prod-us\s+\S+\s+false\s+\S+\s+OutOfSync\s/m);
    expect(await configValue("prod-us", "release")).toBe("v2");

    await fleet.startSpoke("prod-us");
    await fleet.converged(rev.v3, ["prod-us"]);
    expect(await configValue("prod-us", "release")).toBe("v3");
    expect(await configValue("prod-us", "greeting")).toBe("welcome to shop v3");
    // The rolled-back web rollout stays put through all of this: prod still runs the good image.
    for (const name of PROD) expect(await imageOf("web", "web", name)).toBe(GOOD_IMAGE);
    expect((await webRollout())?.phase).toBe("RolledBack");
  });

  step("deletes the apps from Git: their objects are pruned on every cluster", async () => {
    rev.deleted = await fleet.repo.commit(
      {
        "appsets/shop.yaml": null,
        "appsets/web.yaml": null,
        "apps/web/deployment.yaml": null,
        ...Object.fromEntries(["v1", "v2", "v3"].flatMap((r) => Object.keys(shopRelease(r, 1))).map((path) => [path, null])),
      },
      "retire shop and web",
    );
    await fleet.converged(rev.deleted);
    for (const name of ALL) {
      expect((await cluster(name))?.apps.map((a) => a.name)).toEqual([`base-${name}`]);
      expect(await fleet.getJson(name, "deployment", "web", "-n", "web")).toBeUndefined();
      expect(await fleet.getJson(name, "configmap", `flotilla-inventory-web-${name}`, "-n", SPOKE_NAMESPACE)).toBeUndefined();
      // The base app is untouched.
      expect((await fleet.getJson<{ data: Record<string, string> }>(name, "configmap", "fleet-info", "-n", "fleet-base"))?.data["managed-by"]).toBe("flotilla");
    }
    for (const name of PROD) {
      expect(await fleet.getJson(name, "deployment", "shop", "-n", "shop")).toBeUndefined();
      expect(await fleet.getJson(name, "configmap", "shop-config", "-n", "shop")).toBeUndefined();
      expect(await fleet.getJson(name, "configmap", `flotilla-inventory-shop-${name}`, "-n", SPOKE_NAMESPACE)).toBeUndefined();
      // As in Argo CD, a namespace made by CreateNamespace=true is not the app's to delete: it stays, empty.
      expect(await fleet.getJson(name, "namespace", "shop")).toBeDefined();
      expect(JSON.parse(await fleet.kubectl(name, "get", "deployments,configmaps", "-n", "shop", "-o", "json"))).toMatchObject({ items: [] });
    }
  });

  step("printed no stack trace for any of it", () => {
    for (const prefix of ["hub", "spoke", "devcluster", "nats-server"]) {
      const output = fleet.logs(prefix);
      expect(output.length, prefix).toBeGreaterThan(0);
      // A stack printed as lines, or inside a JSON log line (`"stack":"Error…\n    at …"`).
      expect(output.match(/^.*\n\s+at .*$/m)?.[0], prefix).toBeUndefined();
      expect(output.match(/.{0,200}(\\n\s+at |"stack").{0,200}/)?.[0], prefix).toBeUndefined();
    }
  });
});
