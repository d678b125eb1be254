import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestPki, packChart, startChartServer, type ChartServer } from "../harness/index.js";
import { startFleet, type TestFleet } from "./fleet-harness.js";

// Issue 16, Helm charts rendered natively: one ApplicationSet per kind of chart source — a chart
// directory in the fleet repository (with a packaged subchart), a Helm repository over HTTPS and an
// OCI registry with token auth (both the test chart server, its CA trusted by the hub through
// NODE_EXTRA_CA_CERTS) — rendered per cluster with per-cluster values by the hub's render workers,
// published, applied by the spokes, and visible in each devcluster.

const CLUSTERS = [
  { name: "prod-eu", labels: { env: "prod", region: "eu-west-1" } },
  { name: "staging", labels: { env: "staging", region: "us-east-1" } },
] as const;
const USER = "charts-ci";
const PASSWORD = "chart-pass-5d1b7e";

/** A small chart: a ConfigMap from values, a helper template, a test hook (never applied), per-release names. */
function webChart(version: string): Record<string, string> {
  return {
    "Chart.yaml": `apiVersion: v2\nname: web\nversion: ${version}\ndependencies:\n- name: sidecar\n  version: 0.1.0\n`,
    "values.yaml": "color: grey\nregion: none\nsidecar:\n  enabled: true\n",
    "templates/_helpers.tpl": '{{- define "web.fullname" -}}{{ .Release.Name }}-web{{- end }}\n',
    "templates/config.yaml": [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      '  name: {{ include "web.fullname" . }}',
      "  labels:",
      "    chart: {{ .Chart.Name }}-{{ .Chart.Version | replace \"+\" \"_\" }}",
      "data:",
      "  color: {{ .Values.color | quote }}",
      "  region: {{ .Values.region | quote }}",
      "  namespace: {{ .Release.Namespace }}",
      "",
    ].join("\n"),
    "templates/test.yaml": 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-test\n  annotations:\n    "helm.sh/hook": test\nspec:\n  containers: [{name: t, image: busybox}]\n',
  };
}

const SIDECAR: Record<string, string> = {
  "Chart.yaml": "apiVersion: v2\nname: sidecar\nversion: 0.1.0\n",
  "values.yaml": "flavor: plain\n",
  "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-sidecar\ndata:\n  flavor: {{ .Values.flavor | quote }}\n",
};

function appSet(name: string, source: string): string {
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
    spec:
      project: default
${source}
      destination:
        name: '{{.name}}'
        namespace: ${name}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=true]
`;
}

/** Per-cluster values: a value file named after the cluster, valuesObject from a label, a parameter. */
const HELM = `        helm:
          releaseName: '{{.name}}'
          valuesObject:
            region: '{{index .metadata.labels "region"}}'
          parameters:
          - name: sidecar.flavor
            value: '{{.name}}'`;

let server: ChartServer;
let fleet: TestFleet;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-helm-e2e-"));
  const pki = await makeTestPki(dir);
  server = await startChartServer({ tls: pki.server, repoAuth: { username: USER, password: PASSWORD }, registryAuth: { username: USER, password: PASSWORD } });
  const sidecar = await packChart("sidecar", SIDECAR);
  for (const v of ["1.0.0", "1.4.0", "2.0.0"]) server.addRepoChart("web", v, await packChart("web", { ...webChart(v), "charts/sidecar-0.1.0.tgz": sidecar }));
  server.addOciChart("team/web", "3.1.0", await packChart("web", { ...webChart("3.1.0"), "charts/sidecar/Chart.yaml": SIDECAR["Chart.yaml"], "charts/sidecar/values.yaml": SIDECAR["values.yaml"], "charts/sidecar/templates/cm.yaml": SIDECAR["templates/cm.yaml"] }));
  const credentials = join(dir, "credentials.yaml");
  await writeFile(credentials, `credentials:\n- url: ${server.url}\n  username: ${USER}\n  password: ${PASSWORD}\n`, { mode: 0o600 });

  const files: Record<string, string | Uint8Array> = {
    "appsets/git-chart.yaml": appSet("git-chart", `      source:\n        repoURL: .\n        path: charts/web\n${HELM}\n          valueFiles: ['values-{{.name}}.yaml', missing.yaml]\n          ignoreMissingValueFiles: true`),
    "appsets/repo-chart.yaml": appSet("repo-chart", `      source:\n        repoURL: ${server.url}/charts\n        chart: web\n        targetRevision: ^1.0.0\n${HELM}`),
    "appsets/oci-chart.yaml": appSet("oci-chart", `      source:\n        repoURL: oci://127.0.0.1:${String(server.port)}/team\n        chart: web\n        targetRevision: 3.1.0\n${HELM}`),
    "charts/web/charts/sidecar-0.1.0.tgz": sidecar,
    "charts/web/values-prod-eu.yaml": "color: red\n",
  };
  for (const [path, text] of Object.entries(webChart("0.5.0"))) files[`charts/web/${path}`] = text;
  fleet = await startFleet({ files, clusters: CLUSTERS, hubFlags: ["--git-credentials-file", credentials], hubEnv: { NODE_EXTRA_CA_CERTS: pki.caFile } });
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function configMap(cluster: string, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  return (await fleet.getJson<{ data: Record<string, string> }>(cluster, "configmap", "-n", namespace, name))?.data;
}

describe("Helm chart sources on a fleet", () => {
  it("renders charts from the repository, a Helm repository and an OCI registry per cluster, and the spokes apply them", async () => {
    await fleet.converged(await fleet.repo.head(), CLUSTERS.map((c) => c.name), 90_000);
    // Every app rendered: no render error, three apps per cluster (a failed app keeps its last good state, here none).
    const sources = (await (await fetch(`${fleet.hubUrl()}/api/v1/sources`)).json()) as { renderErrors: unknown[] };
    expect(sources.renderErrors).toEqual([]);
    for (const c of await fleet.hub().clusters()) {
      expect(c.apps.map((a) => a.name).sort()).toEqual([`git-chart-${c.name}`, `oci-chart-${c.name}`, `repo-chart-${c.name}`]);
      expect(c.errors).toEqual([]);
    }
    for (const c of CLUSTERS) {
      const color = c.name === "prod-eu" ? "red" : "grey";
      expect(await configMap(c.name, "git-chart", `${c.name}-web`)).toEqual({ color, region: c.labels.region, namespace: "git-chart" });
      expect(await configMap(c.name, "repo-chart", `${c.name}-web`)).toEqual({ color: "grey", region: c.labels.region, namespace: "repo-chart" });
      expect(await configMap(c.name, "oci-chart", `${c.name}-web`)).toEqual({ color: "grey", region: c.labels.region, namespace: "oci-chart" });
      for (const ns of ["git-chart", "repo-chart", "oci-chart"]) expect(await configMap(c.name, ns, `${c.name}-sidecar`)).toEqual({ flavor: c.name });
      // `^1.0.0` resolved to the highest 1.x release; a Helm test hook is never applied (as in Argo CD).
      const labels = (await fleet.getJson<{ metadata: { labels: Record<string, string> } }>(c.name, "configmap", "-n", "repo-chart", `${c.name}-web`))?.metadata.labels;
      expect(labels?.["chart"]).toBe("web-1.4.0");
      expect(await fleet.getJson(c.name, "pod", "-n", "repo-chart", `${c.name}-test`)).toBeUndefined();
    }
    // The hub authenticated to the repository and the registry over HTTPS, with the configured credentials only.
    expect(server.requests.some((r) => r.path === "/charts/index.yaml" && r.authorization?.startsWith("Basic ") === true)).toBe(true);
    expect(server.requests.some((r) => r.path.startsWith("/v2/team/web/blobs/sha256:") && r.authorization?.startsWith("Bearer ") === true)).toBe(true);
  });
});
