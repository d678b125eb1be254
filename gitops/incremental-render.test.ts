import { describe, expect, it } from "vitest";
import { bundleOf, toAppBundle } from "../hub/fleet-planner.js";
import { encodeBundle } from "../protocol/index.js";
import { canonicalJson } from "./canonical-json.js";
import { renderSnapshot } from "./fleet-render.js";
import type { FleetRender } from "./fleet-render-types.js";
import { DocumentCache } from "./fleet-repo.js";
import { AppSetRenderCache, appSetInputKey } from "./incremental-render.js";
import { ManifestRenderer } from "./render/manifest-renderer.js";
import type { KustomizeRunner } from "./render/kustomize-runner.js";
import { memorySnapshot } from "./repo-snapshot.js";

const noKustomize: KustomizeRunner = { build: () => Promise.reject(new Error("kustomize is not used in this test")) };

function clusterFile(name: string, env: string, tier: string): string {
  return `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${name}\n  labels:\n    env: ${env}\n    tier: "${tier}"\n`;
}

function configMap(name: string, value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
}

/** Shared app, selected by label. */
const WEB = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  goTemplate: true
  generators:
  - clusters:
      selector:
        matchLabels:
          env: prod
  template:
    metadata:
      name: 'web-{{.name}}'
      labels:
        tier: '{{index .metadata.labels "tier"}}'
    spec:
      project: default
      source:
        repoURL: .
        path: apps/web
        targetRevision: HEAD
      destination:
        name: '{{.name}}'
        namespace: web
`;

/** One directory per cluster (a templated path). */
const PER = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: per
spec:
  goTemplate: true
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'per-{{.name}}'
    spec:
      project: default
      source:
        repoURL: .
        path: 'apps/per/{{.name}}'
      destination:
        name: '{{.name}}'
        namespace: per
`;

function listAppSet(elements: readonly { cluster: string; size: string }[]): string {
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: sized
spec:
  goTemplate: true
  generators:
  - list:
      elements:
${elements.map((e) => `      - cluster: ${e.cluster}\n        size: "${e.size}"`).join("\n")}
  template:
    metadata:
      name: 'sized-{{.cluster}}'
      labels:
        size: '{{.size}}'
    spec:
      project: default
      source:
        repoURL: .
        path: apps/sized
      destination:
        name: '{{.cluster}}'
        namespace: sized
`;
}

/** A git generator reads directories of the repository: never taken from the cache. */
const DIRS = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: dirs
spec:
  goTemplate: true
  generators:
  - matrix:
      generators:
      - git:
          repoURL: .
          revision: HEAD
          directories:
          - path: 'apps/per/*'
      - clusters:
          selector:
            matchLabels:
              env: staging
  template:
    metadata:
      name: 'dirs-{{.path.basename}}-{{.name}}'
    spec:
      project: default
      source:
        repoURL: .
        path: '{{.path.path}}'
      destination:
        name: '{{.name}}'
        namespace: dirs
`;

interface Model {
  clusters: Map<string, { env: string; tier: string }>;
  web: string;
  per: Map<string, string>;
  sized: { cluster: string; size: string }[];
  sizedFile: string;
  /** Present: the web app also holds a broken manifest (the app fails). */
  broken: boolean;
}

function files(m: Model): Record<string, string> {
  const out: Record<string, string> = {
    "appsets/web.yaml": WEB,
    "appsets/per.yaml": PER,
    "appsets/sized.yaml": listAppSet(m.sized),
    "appsets/dirs.yaml": DIRS,
    "apps/web/config.yaml": configMap("web", m.web),
    "apps/sized/config.yaml": configMap("sized", m.sizedFile),
  };
  if (m.broken) out["apps/web/broken.yaml"] = "kind: [unclosed\n";
  for (const [name, c] of m.clusters) out[`clusters/${name}.yaml`] = clusterFile(name, c.env, c.tier);
  for (const [name, value] of m.per) out[`apps/per/${name}/config.yaml`] = configMap(`per-${name}`, value);
  return out;
}

/** A small deterministic generator (injected randomness, so a failure replays). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

async function render(snapshotFiles: Record<string, string>, revision: string, cache?: AppSetRenderCache, documents?: DocumentCache): Promise<FleetRender> {
  const manifests = new ManifestRenderer({ kustomize: noKustomize });
  try {
    return await renderSnapshot(memorySnapshot(snapshotFiles, { revision, source: "/fleet" }), { manifests, appSetCache: cache, documents });
  } finally {
    await manifests.dispose();
  }
}

/** Every cluster's bundle digest, as the hub would publish it for this render. */
function bundleDigests(r: FleetRender): Record<string, string> {
  return Object.fromEntries(r.clusters.map((c) => [c.name, encodeBundle(bundleOf(c.name, r.revision, c.apps.filter((a) => a.error === undefined).map(toAppBundle))).digest]));
}

type Step = (m: Model, rnd: () => number) => string;

const pick = <T,>(list: readonly T[], rnd: () => number): T => list[Math.floor(rnd() * list.length)];

const STEPS: readonly Step[] = [
  (m, rnd) => ((m.web = `w${String(Math.floor(rnd() * 1000))}`), "change the shared app"),
  (m, rnd) => {
    const name = pick([...m.per.keys()], rnd);
    m.per.set(name, `p${String(Math.floor(rnd() * 1000))}`);
    return `change ${name}'s own app`;
  },
  (m, rnd) => {
    const name = pick([...m.clusters.keys()], rnd);
    const c = m.clusters.get(name)!;
    if (rnd() < 0.5) c.tier = String(Math.floor(rnd() * 3));
    else c.env = c.env === "prod" ? "staging" : "prod";
    return `relabel ${name}`;
  },
  (m, rnd) => {
    const name = `c${String(Math.floor(rnd() * 1e6))}`;
    m.clusters.set(name, { env: rnd() < 0.5 ? "prod" : "staging", tier: "1" });
    m.per.set(name, "new");
    return `add ${name}`;
  },
  (m, rnd) => {
    if (m.clusters.size <= 2) return "keep (too few clusters to remove one)";
    const name = pick([...m.clusters.keys()], rnd);
    m.clusters.delete(name);
    m.per.delete(name);
    m.sized = m.sized.filter((e) => e.cluster !== name);
    return `remove ${name}`;
  },
  (m, rnd) => {
    const name = pick([...m.clusters.keys()], rnd);
    m.sized = [...m.sized.filter((e) => e.cluster !== name), ...(rnd() < 0.7 ? [{ cluster: name, size: String(Math.floor(rnd() * 9)) }] : [])];
    return `change the list generator for ${name}`;
  },
  (m, rnd) => ((m.sizedFile = `s${String(Math.floor(rnd() * 1000))}`), "change the list app's file"),
  (m) => ((m.broken = !m.broken), "break or fix the shared app"),
  () => "no change",
];

function initial(): Model {
  const clusters = new Map<string, { env: string; tier: string }>();
  for (const [i, name] of ["a", "b", "c", "d", "e"].entries()) clusters.set(name, { env: i % 2 === 0 ? "prod" : "staging", tier: String(i % 3) });
  return { clusters, web: "w0", per: new Map([...clusters.keys()].map((n) => [n, "p0"])), sized: [{ cluster: "a", size: "1" }, { cluster: "c", size: "2" }], sizedFile: "s0", broken: false };
}

describe("incremental render", () => {
  it("equals a cold full render after every commit of random sequences (apps, labels, clusters, generators)", async () => {
    for (const seed of [1, 2, 3]) {
      const rnd = seeded(seed);
      const model = initial();
      const cache = new AppSetRenderCache();
      const documents = new DocumentCache();
      for (let step = 0; step < 12; step++) {
        const what = step === 0 ? "first render" : pick(STEPS, rnd)(model, rnd);
        const snapshotFiles = files(model);
        const revision = `rev-${String(seed)}-${String(step)}`;
        const incremental = await render(snapshotFiles, revision, cache, documents);
        const cold = await render(snapshotFiles, revision);
        const context = `seed ${String(seed)}, step ${String(step)}: ${what}`;
        expect(bundleDigests(incremental), context).toEqual(bundleDigests(cold));
        expect(canonicalJson(incremental), context).toBe(canonicalJson(cold));
      }
      // Not vacuous: ApplicationSets came from the cache (a cluster change re-renders all of them,
      // their generators and destinations read the cluster list), and the git generator's never did.
      expect(cache.stats.hits).toBeGreaterThan(0);
      expect(cache.stats.uncacheable).toBe(12);
    }
  });

  it("re-renders only the ApplicationSet whose files changed, and moves the others to the new commit", async () => {
    const model = initial();
    const cache = new AppSetRenderCache();
    const first = await render(files(model), "rev-1", cache);
    const before = { ...cache.stats };
    model.sizedFile = "changed";
    const second = await render(files(model), "rev-2", cache);
    // web and per from the cache, sized rendered again, dirs (git generator) always rendered.
    expect({ hits: cache.stats.hits - before.hits, misses: cache.stats.misses - before.misses, uncacheable: cache.stats.uncacheable - before.uncacheable }).toEqual({ hits: 2, misses: 1, uncacheable: 1 });
    const web = (r: FleetRender) => r.clusters.find((c) => c.name === "a")!.apps.find((a) => a.name === "web-a")!;
    expect(web(first).source.revision).toBe("rev-1");
    expect(web(second).source.revision).toBe("rev-2");
    expect(web(second).objects).toBe(web(first).objects);
  });

  it("cannot key an ApplicationSet that reads another repository, a chart, or Helm values", () => {
    const snapshot = memorySnapshot({ "apps/x/a.yaml": configMap("a", "1") }, { source: "/fleet" });
    const withSource = (source: Record<string, unknown>) => ({
      file: "appsets/x.yaml",
      appSet: { apiVersion: "flotilla.dev/v1alpha1", kind: "ApplicationSet", metadata: { name: "x" }, spec: { generators: [{ clusters: {} }], template: { metadata: { name: "x" }, spec: { source, destination: { name: "a" } } } } },
    }) as never;
    const env = { snapshot, clusters: [] };
    expect(appSetInputKey(withSource({ repoURL: ".", path: "apps/x" }), env)).toMatch(/^sha256:/u);
    expect(appSetInputKey(withSource({ repoURL: "https://example.com/other.git", path: "apps/x" }), env)).toBeUndefined();
    expect(appSetInputKey(withSource({ repoURL: "https://charts.example.com", chart: "web", targetRevision: "1.0.0" }), env)).toBeUndefined();
    expect(appSetInputKey(withSource({ repoURL: ".", path: "apps/x", helm: { valueFiles: ["../../secrets.yaml"] } }), env)).toBeUndefined();
    expect(appSetInputKey(withSource({ repoURL: ".", path: "apps/../x" }), env)).toBeUndefined();
    expect(appSetInputKey(withSource({ repoURL: "{{.repo}}", path: "apps/x" }), env)).toBeUndefined();
  });
});
