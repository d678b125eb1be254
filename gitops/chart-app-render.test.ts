import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { pack } from "tar-stream";
import { renderSnapshot, type RepoResolver } from "./fleet-render.js";
import type { FleetRender } from "./fleet-render-types.js";
import { ManifestRenderer } from "./render/manifest-renderer.js";
import { memorySnapshot } from "./repo-snapshot.js";

// Chart apps in the fleet render: Git chart directories (with packaged subcharts), Argo's helm
// fields per cluster, `$ref` value files from another repository, errors with chart file and line.

const noKustomize = { build: () => Promise.reject(new Error("kustomize is not used here")) };

async function tgz(dir: string, files: Record<string, string>): Promise<Uint8Array> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => p.on("end", () => r()));
  for (const [name, text] of Object.entries(files)) p.entry({ name: `${dir}/${name}` }, text);
  p.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

const CHART = {
  "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n- name: db\n  version: 0.1.0\n  condition: db.enabled\n",
  "charts/web/values.yaml": "color: grey\nsize: 1\ndb:\n  enabled: true\n",
  "charts/web/values-big.yaml": "size: 10\n",
  "charts/web/crds/widget.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n",
  "charts/web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\ndata:\n  color: {{ .Values.color | quote }}\n  size: {{ .Values.size | quote }}\n  ns: {{ .Release.Namespace }}\n",
  "charts/web/templates/job.yaml": 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n  annotations:\n    "helm.sh/hook": pre-install,pre-upgrade\n    "helm.sh/hook-weight": "-2"\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: busybox}]\n',
  "charts/web/templates/tests/t.yaml": 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-test\n  annotations:\n    "helm.sh/hook": test\nspec:\n  containers: [{name: t, image: busybox}]\n',
};

function appSet(source: string, extra = ""): string {
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  goTemplate: true
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'web-{{.name}}'
    spec:
      project: default
${source}
      destination: {name: '{{.name}}', namespace: web}
${extra}`;
}

async function fleet(appSetText: string, extra: Record<string, string | Uint8Array> = {}): Promise<Record<string, string | Uint8Array>> {
  return {
    ...CHART,
    "charts/web/charts/db-0.1.0.tgz": await tgz("db", { "Chart.yaml": "apiVersion: v2\nname: db\nversion: 0.1.0\n", "values.yaml": "engine: pg\n", "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-db\ndata:\n  engine: {{ .Values.engine }}\n" }),
    "clusters/big.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: big\n  labels: {size: big}\n",
    "clusters/small.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: small\n  labels: {size: small}\n",
    "appsets/web.yaml": appSetText,
    ...extra,
  };
}

async function render(files: Record<string, string | Uint8Array>, repos?: RepoResolver): Promise<FleetRender> {
  const snapshot = memorySnapshot(files, { revision: "0123456789abcdef0123456789abcdef01234567", source: "https://git.example.com/fleet.git" });
  return renderSnapshot(snapshot, { manifests: new ManifestRenderer({ kustomize: noKustomize }), repos });
}

function objects(r: FleetRender, cluster: string): { kind: string; name: string; data?: Record<string, string>; annotations?: Record<string, string> }[] {
  const app = r.clusters.find((c) => c.name === cluster)?.apps[0];
  if (app?.error !== undefined) throw new Error(`${app.error.code}: ${app.error.message} (${app.error.file ?? ""} ${app.error.field ?? ""})`);
  return (app?.objects ?? []).map((o) => ({ kind: o.kind, name: o.metadata.name ?? "", ...((o as { data?: Record<string, string> }).data === undefined ? {} : { data: (o as { data?: Record<string, string> }).data }), ...(o.metadata.annotations === undefined ? {} : { annotations: o.metadata.annotations }) }));
}

describe("chart apps from a Git chart directory", () => {
  it("render per cluster with value files, valuesObject and parameters in Argo's precedence, a packaged subchart, CRDs and hooks", async () => {
    const r = await render(
      await fleet(
        appSet(`      source:
        repoURL: .
        path: charts/web
        helm:
          valueFiles: ['values-{{index .metadata.labels "size"}}.yaml']
          ignoreMissingValueFiles: true
          valuesObject: {color: '{{.name}}-blue'}
          parameters:
          - {name: color, value: '{{.name}}-set'}`),
      ),
    );
    const big = objects(r, "big");
    expect(big.find((o) => o.name === "web-big-web")?.data).toEqual({ color: "big-set", size: "10", ns: "web" });
    expect(objects(r, "small").find((o) => o.name === "web-small-web")?.data).toEqual({ color: "small-set", size: "1", ns: "web" });
    expect(big.find((o) => o.name === "web-big-db")?.data).toEqual({ engine: "pg" });
    expect(big.some((o) => o.kind === "CustomResourceDefinition")).toBe(true);
    // Hooks are in the output with their Helm annotations (the spoke maps them); the test hook too (no skipTests).
    expect(big.find((o) => o.name === "web-big-migrate")?.annotations).toMatchObject({ "helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": "-2" });
    expect(big.some((o) => o.name === "web-big-test")).toBe(true);
    expect(r.clusters[0]?.apps[0]?.source.revision).toBe("0123456789abcdef0123456789abcdef01234567");
  });

  it("honours skipCrds, skipTests, releaseName and namespace", async () => {
    const r = await render(await fleet(appSet("      source:\n        repoURL: .\n        path: charts/web\n        helm: {skipCrds: true, skipTests: true, releaseName: rel, namespace: other}")));
    const big = objects(r, "big");
    expect(big.some((o) => o.kind === "CustomResourceDefinition")).toBe(false);
    expect(big.some((o) => o.name === "rel-test")).toBe(false);
    expect(big.find((o) => o.name === "rel-web")?.data?.["ns"]).toBe("other");
  });

  it("reads $values/… value files from a ref source of a multi-source app", async () => {
    const values = memorySnapshot({ "envs/big.yaml": "color: from-ref\n" }, { revision: "fedcba9876543210fedcba9876543210fedcba98", source: "https://git.example.com/values.git" });
    const r = await render(
      await fleet(
        appSet(`      sources:
      - repoURL: .
        path: charts/web
        helm:
          valueFiles: ['$values/envs/{{.name}}.yaml']
          ignoreMissingValueFiles: true
      - repoURL: https://git.example.com/values.git
        targetRevision: main
        ref: values`),
      ),
      (url) => (url === "https://git.example.com/values.git" ? Promise.resolve(values) : Promise.reject(new Error(`unexpected ${url}`))),
    );
    expect(objects(r, "big").find((o) => o.name === "web-big-web")?.data?.["color"]).toBe("from-ref");
    expect(objects(r, "small").find((o) => o.name === "web-small-web")?.data?.["color"]).toBe("grey");
  });

  it("fails one app with the chart file and line of a template error, and names a missing value file", async () => {
    const broken = await render(await fleet(appSet("      source: {repoURL: ., path: charts/web}"), { "charts/web/templates/bad.yaml": "a: b\nc: {{ .Values.nope.deeper }}\n" }));
    const error = broken.clusters[0]?.apps[0]?.error;
    expect(error?.code).toBe("HELM_TEMPLATE_ERROR");
    expect(error?.file).toContain("charts/web");
    expect(`${error?.file ?? ""} ${error?.field ?? ""} ${error?.message ?? ""}`).toContain("templates/bad.yaml");
    const missing = await render(await fleet(appSet("      source:\n        repoURL: .\n        path: charts/web\n        helm: {valueFiles: [nope.yaml]}")));
    expect(missing.clusters[0]?.apps[0]?.error).toMatchObject({ code: "GITOPS_NOT_FOUND", file: "appsets/web.yaml", field: "spec.template.spec.source.helm.valueFiles[0]" });
  });

  it("says when a chart source has no Chart.yaml, and when a chart repository cannot be reached from this render", async () => {
    const noChart = await render(await fleet(appSet("      source:\n        repoURL: .\n        path: clusters\n        helm: {releaseName: x}")));
    expect(noChart.clusters[0]?.apps[0]?.error).toMatchObject({ code: "GITOPS_CHART", field: "spec.template.spec.source.path" });
    const remote = await render(await fleet(appSet("      source: {repoURL: 'https://charts.example.com', chart: web, targetRevision: 1.0.0}")));
    expect(remote.clusters[0]?.apps[0]?.error).toMatchObject({ code: "GITOPS_CHART", file: "appsets/web.yaml" });
  });
});
