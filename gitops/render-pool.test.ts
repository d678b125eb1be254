import { afterEach, describe, expect, it } from "vitest";
import { renderSnapshot } from "./fleet-render.js";
import { DEFAULT_RENDER_BUDGET } from "./render-budget.js";
import { RenderPool } from "./render-pool.js";
import { ManifestRenderer } from "./render/manifest-renderer.js";
import type { KustomizeRunner } from "./render/kustomize-runner.js";
import { memorySnapshot } from "./repo-snapshot.js";

// Runs the built worker (dist/gitops/render-worker.js): `npm run build` first.

const noKustomize: KustomizeRunner = { build: () => Promise.reject(new Error("kustomize is not used in this test")) };

function appSet(name: string, label: string): string {
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  goTemplate: true
  generators:
  - clusters: {}
  template:
    metadata:
      name: '${name}-{{.name}}'
      labels: {mark: '${label}'}
    spec:
      project: default
      source: {repoURL: ., path: apps/web, targetRevision: HEAD}
      destination: {name: '{{.name}}', namespace: '${name}-{{.metadata.labels.env}}'}
`;
}

const DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";

function fleet(names: readonly string[], appSets: Record<string, string>) {
  const files: Record<string, string> = { "apps/web/all.yaml": DEPLOY };
  names.forEach((n, i) => (files[`clusters/${n}.yaml`] = `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${n}\n  labels:\n    env: e${String(i % 2)}\n`));
  for (const [name, label] of Object.entries(appSets)) files[`appsets/${name}.yaml`] = appSet(name, label);
  return memorySnapshot(files, { revision: "0123456789abcdef0123456789abcdef01234567", source: "https://git.example.com/fleet.git" });
}

let pool: RenderPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("RenderPool", () => {
  it("renders what the hub's thread renders, for each commit's own clusters", async () => {
    pool = new RenderPool({ size: 2, budget: DEFAULT_RENDER_BUDGET });
    const appSets = { a: "x", b: "y", c: "z" };
    for (const names of [["c1", "c2", "c3"], ["c1", "c4"]]) {
      const snapshot = fleet(names, appSets);
      const local = await renderSnapshot(snapshot, { manifests: new ManifestRenderer({ kustomize: noKustomize }) });
      const pooled = await renderSnapshot(snapshot, { manifests: new ManifestRenderer({ kustomize: noKustomize }), renderAppSet: pool.renderer });
      expect(pooled.errors).toEqual([]);
      expect(pooled.clusters.map((c) => [c.name, c.apps.map((a) => a.name)])).toEqual(names.map((n) => [n, ["a-" + n, "b-" + n, "c-" + n]]));
      expect(pooled).toEqual(local);
    }
  });

  it("a worker replaced after an ApplicationSet ran out of time renders the next one for every cluster", async () => {
    pool = new RenderPool({ size: 1, budget: { ...DEFAULT_RENDER_BUDGET, timeoutMs: 500 } });
    const names = ["c1", "c2", "c3"];
    // "a" renders first and holds its worker in one native call (a backtracking regular expression)
    // until the pool terminates it; "b" then goes to a fresh worker, which needs the clusters again.
    const hostile = '{{ if regexMatch "^(a+)+$" (print (repeat 40 "a") "!") }}x{{ end }}x';
    const result = await renderSnapshot(fleet(names, { a: hostile, b: "ok" }), { manifests: new ManifestRenderer({ kustomize: noKustomize }), renderAppSet: pool.renderer });
    expect(result.errors.map((e) => [e.code, e.file])).toEqual([["RENDER_BUDGET_EXCEEDED", "appsets/a.yaml"]]);
    expect(result.clusters.map((c) => [c.name, c.apps.map((a) => [a.name, a.error])])).toEqual(names.map((n) => [n, [["b-" + n, undefined]]]));
  }, 60_000);
});
