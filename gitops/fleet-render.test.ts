import { describe, expect, it } from "vitest";
import { memorySnapshot } from "./repo-snapshot.js";
import { renderSnapshot } from "./fleet-render.js";
import { ManifestRenderer } from "./render/manifest-renderer.js";
import type { KustomizeRunner } from "./render/kustomize-runner.js";

const noKustomize: KustomizeRunner = {
  build: () => Promise.reject(new Error("kustomize is not used in this test")),
};

function cluster(name: string, env: string): string {
  return `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${name}\n  labels:\n    env: ${env}\nspec:\n  values:\n    replicas: "2"\n`;
}

const APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  generators:
  - clusters:
      selector:
        matchLabels:
          env: prod
  template:
    metadata:
      name: 'web-{{.name}}'
      labels:
        env: '{{index .metadata.labels "env"}}'
    spec:
      project: default
      source:
        repoURL: .
        path: apps/web
        targetRevision: HEAD
      destination:
        name: '{{.name}}'
        namespace: web
      syncPolicy:
        automated:
          prune: true
        syncOptions: [CreateNamespace=true]
`;

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
---
apiVersion: v1
kind: Service
metadata:
  name: web
`;

function fleet(extra: Record<string, string> = {}) {
  return memorySnapshot({
    "clusters/a.yaml": cluster("prod-a", "prod"),
    "clusters/b.yaml": cluster("prod-b", "prod"),
    "clusters/c.yaml": cluster("dev-c", "dev"),
    "appsets/web.yaml": APPSET,
    "apps/web/all.yaml": DEPLOY,
    ...extra,
  }, { revision: "0123456789abcdef0123456789abcdef01234567", source: "https://git.example.com/fleet.git" });
}

describe("renderSnapshot", () => {
  it("gives each cluster only its own FleetSealedSecret entry, and none to a cluster it was not sealed for", async () => {
    const fss = `apiVersion: flotilla.dev/v1alpha1
kind: FleetSealedSecret
metadata:
  name: db
spec:
  template:
    metadata: {name: db}
  clusters:
  - {cluster: prod-a, keyFingerprint: "SHA256:a", encryptedData: {password: AAAA}}
  - {cluster: dev-c, keyFingerprint: "SHA256:c", encryptedData: {password: CCCC}}
  recovery:
    recipient: age1example
    encryptedData: {password: RRRR}
`;
    const everywhere = APPSET.replace("  - clusters:\n      selector:\n        matchLabels:\n          env: prod\n", "  - clusters: {}\n");
    const result = await renderSnapshot(fleet({ "appsets/web.yaml": everywhere, "apps/web/db.yaml": fss }), { manifests: new ManifestRenderer({ kustomize: noKustomize }) });
    expect(result.errors).toEqual([]);
    const sealedFor = (cluster: string) => result.clusters.find((c) => c.name === cluster)?.apps[0]?.objects.filter((o) => o.kind === "FleetSealedSecret");
    const a = sealedFor("prod-a");
    expect(a).toHaveLength(1);
    expect(a?.[0]?.spec).toEqual({ template: { metadata: { name: "db" } }, clusters: [{ cluster: "prod-a", keyFingerprint: "SHA256:a", encryptedData: { password: "AAAA" } }] });
    expect(sealedFor("dev-c")?.[0]?.spec).toMatchObject({ clusters: [{ cluster: "dev-c", encryptedData: { password: "CCCC" } }] });
    // prod-b still gets the app's other objects, just no Secret.
    expect(sealedFor("prod-b")).toEqual([]);
    expect(result.clusters.find((c) => c.name === "prod-b")?.apps[0]?.objects.map((o) => o.kind)).toEqual(["Service", "Deployment"]);
    // What one cluster receives differs from another's, so their app digests differ.
    const digests = new Set(result.clusters.map((c) => c.apps[0]?.digest));
    expect(digests.size).toBe(3);
  });

  it("renders one bundle per cluster with the apps whose selector matches", async () => {
    const result = await renderSnapshot(fleet(), { manifests: new ManifestRenderer({ kustomize: noKustomize }) });
    expect(result.errors).toEqual([]);
    expect(result.clusters.map((c) => [c.name, c.apps.map((a) => a.name)])).toEqual([
      ["dev-c", []],
      ["prod-a", ["web-prod-a"]],
      ["prod-b", ["web-prod-b"]],
    ]);
    const app = result.clusters[1].apps[0];
    expect(app.labels).toEqual({ env: "prod" });
    expect(app.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: false, allowEmpty: false },
      prune: true,
      selfHeal: false,
      syncOptions: ["CreateNamespace=true"],
      preserveResourcesOnDeletion: false,
    });
    expect(app.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(["Service/web/web", "Deployment/web/web"]);
    expect(app.source.revision).toBe("0123456789abcdef0123456789abcdef01234567");
    expect(app.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("exposes the RollingSync strategy, reports unknown destinations and duplicate app names without blocking others", async () => {
    const strategy = `  strategy:
    type: RollingSync
    rollingSync:
      steps:
      - matchExpressions:
        - {key: env, operator: In, values: [prod]}
        maxUpdate: 1
`;
    const orphan = APPSET.replace("name: web\n", "name: orphan\n").replace("destination:\n        name: '{{.name}}'", "destination:\n        name: 'nowhere-{{.name}}'");
    const twin = APPSET.replace("name: web\n", "name: twin\n");
    const result = await renderSnapshot(fleet({ "appsets/web.yaml": APPSET + strategy, "appsets/orphan.yaml": orphan, "appsets/twin.yaml": twin }), {
      manifests: new ManifestRenderer({ kustomize: noKustomize }),
    });
    expect(result.appSets.find((a) => a.name === "web")).toMatchObject({
      file: "appsets/web.yaml",
      applications: 2,
      strategy: { type: "RollingSync", rollingSync: { steps: [{ matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }], maxUpdate: 1 }] } },
    });
    expect(result.appSets.find((a) => a.name === "twin")!.strategy).toEqual({ type: "AllAtOnce" });
    expect(result.errors.filter((e) => e.code === "GITOPS_DESTINATION").map((e) => e.appSet)).toEqual(["orphan", "orphan"]);
    const apps = result.clusters.find((c) => c.name === "prod-a")!.apps;
    expect(apps.map((a) => [a.name, a.error?.code])).toEqual([
      ["web-prod-a", undefined],
      ["web-prod-a", "GITOPS_INVALID"],
    ]);
  });
});
