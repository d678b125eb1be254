import { describe, expect, it } from "vitest";
import { renderApplicationSet, renderSnapshot, type AppSetRenderer } from "./fleet-render.js";
import { packOutcome, unpackOutcome } from "./packed-outcome.js";
import { ManifestRenderer } from "./render/manifest-renderer.js";
import type { KustomizeRunner } from "./render/kustomize-runner.js";
import { memorySnapshot } from "./repo-snapshot.js";

const noKustomize: KustomizeRunner = { build: () => Promise.reject(new Error("kustomize is not used in this test")) };

function cluster(name: string, env: string): string {
  return `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${name}\n  labels:\n    env: ${env}\n`;
}

// Per-cluster labels and namespaces, an app whose path is missing on some clusters (an app error),
// and a template that fails for one cluster: every kind of app a worker sends back.
const APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'web-{{.name}}'
      labels:
        env: '{{.metadata.labels.env}}'
        tier: '{{if eq .name "dev-d"}}{{.nope.missing}}{{else}}web{{end}}'
    spec:
      project: default
      source:
        repoURL: .
        path: 'apps/{{.metadata.labels.env}}'
        targetRevision: HEAD
      destination:
        name: '{{.name}}'
        namespace: 'web-{{.metadata.labels.env}}'
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

function fleet() {
  return memorySnapshot(
    {
      "clusters/a.yaml": cluster("prod-a", "prod"),
      "clusters/b.yaml": cluster("prod-b", "prod"),
      "clusters/b2.yaml": cluster("prod-c", "prod"),
      "clusters/c.yaml": cluster("stage-c", "stage"),
      "clusters/d.yaml": cluster("dev-d", "dev"),
      "clusters/e.yaml": cluster("qa-e", "qa"),
      "appsets/web.yaml": APPSET,
      "apps/prod/all.yaml": DEPLOY,
      "apps/stage/all.yaml": DEPLOY,
    },
    { revision: "0123456789abcdef0123456789abcdef01234567", source: "https://git.example.com/fleet.git" },
  );
}

describe("packOutcome / unpackOutcome", () => {
  it("a render whose outcomes went through the packed form and a structured clone equals the local render", async () => {
    const manifests = new ManifestRenderer({ kustomize: noKustomize });
    const local = await renderSnapshot(fleet(), { manifests });
    let shapes = 0;
    // As the render pool does: pack in the worker, clone (postMessage), unpack on the hub's thread.
    const viaPacked: AppSetRenderer = async (loaded, env) => {
      const packed = structuredClone(packOutcome(await renderApplicationSet(loaded, { ...env, manifests })));
      shapes += packed.shapes.length;
      return unpackOutcome(packed);
    };
    const remote = await renderSnapshot(fleet(), { manifests: new ManifestRenderer({ kustomize: noKustomize }), renderAppSet: viaPacked });

    const apps = local.clusters.flatMap((c) => c.apps);
    expect(apps.filter((a) => a.error !== undefined).map((a) => a.name).sort()).toEqual(["web#1", "web-qa-e"]);
    expect(apps.filter((a) => a.error === undefined)).toHaveLength(4);
    expect(remote).toEqual(local);
    expect(remote.clusters.map((c) => c.digest)).toEqual(local.clusters.map((c) => c.digest));
    // The prod apps differ only by name and digest: they travel as one shape, not one each.
    expect(shapes).toBeLessThan(apps.length);
  });

  it("unpacked apps share frozen objects, so nothing one app holds can change another's", async () => {
    const manifests = new ManifestRenderer({ kustomize: noKustomize });
    const render: AppSetRenderer = async (loaded, env) => unpackOutcome(structuredClone(packOutcome(await renderApplicationSet(loaded, { ...env, manifests }))));
    const result = await renderSnapshot(fleet(), { manifests, renderAppSet: render });
    const [a, b] = ["prod-b", "prod-c"].map((name) => result.clusters.find((c) => c.name === name)!.apps[0]);
    expect(a.labels).toBe(b.labels);
    expect(Object.isFrozen(a.objects[0].metadata)).toBe(true);
    expect(() => {
      (a.objects[0].metadata as { name: string }).name = "other";
    }).toThrow(TypeError);
    expect(() => {
      (a.labels as Record<string, string>)["env"] = "dev";
    }).toThrow(TypeError);
    expect(b.labels).toEqual({ env: "prod", tier: "web" });
  });
});
