/**
 * helm-render: one application chart (a Deployment, Service, ServiceAccount, ConfigMap, an HPA and
 * an Ingress behind conditions, helpers with include/toYaml/nindent/trunc — the shape `helm create`
 * gives, written here) rendered for 1 000 clusters with per-cluster values (replicas, image tag,
 * region, an ingress host per cluster), through the real gitops pipeline: renderSnapshot over an
 * in-memory fleet repository, the chart in the repository, one ApplicationSet with a clusters
 * generator and `helm.valuesObject` / `helm.parameters` templated per cluster.
 *
 * Figures: the chart parse (load) time; the 1 000 renders once the chart is parsed (the engine
 * alone, with the options Argo CD would pass); and the whole renderSnapshot (expand, load once,
 * render, objects, digests). Baseline, in the same run: a fresh process per render, which is what
 * running a `helm` binary per app costs — `node dist/cli/main.js helm template <chart> --set …`,
 * run on a sample of clusters and extrapolated to 1 000 (mean per process × 1 000). Target:
 * ≤ 2 s for the 1 000 renders once the chart is parsed, and ≥ 50× the baseline.
 *
 * Run: npm run build && node dist/bench/helm-render.js [clusters] [baseline-sample]
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChartApps } from "../gitops/charts/chart-app.js";
import { readArgoHelmSource } from "../gitops/charts/argo-helm-source.js";
import { HELM_ENGINE } from "../gitops/charts/helm-engine-port.js";
import { DEFAULT_RENDER_BUDGET, ManifestRenderer, memorySnapshot, renderSnapshot, type KustomizeRunner } from "../gitops/index.js";

const CLUSTERS = Number(process.argv[2] ?? 1_000);
const SAMPLE = Number(process.argv[3] ?? 8);
const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "main.js");
const noKustomize: KustomizeRunner = { build: () => Promise.reject(new Error("not used")) };

const CHART: Record<string, string> = {
  "Chart.yaml": "apiVersion: v2\nname: shop\ndescription: a web shop\ntype: application\nversion: 1.4.2\nappVersion: \"2.7.0\"\n",
  "values.yaml": `replicaCount: 1
image:
  repository: registry.example.com/shop
  pullPolicy: IfNotPresent
  tag: ""
serviceAccount:
  create: true
  annotations: {}
  name: ""
podAnnotations: {}
podLabels: {}
service:
  type: ClusterIP
  port: 80
ingress:
  enabled: false
  className: nginx
  hosts: []
resources:
  limits: {cpu: 500m, memory: 256Mi}
  requests: {cpu: 100m, memory: 128Mi}
autoscaling:
  enabled: false
  minReplicas: 1
  maxReplicas: 10
  targetCPUUtilizationPercentage: 80
config:
  region: none
  features: [cart, search]
nodeSelector: {}
tolerations: []
`,
  "templates/_helpers.tpl": `{{- define "shop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "shop.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}
{{- define "shop.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "shop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "shop.labels" -}}
helm.sh/chart: {{ include "shop.chart" . }}
{{ include "shop.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
{{- define "shop.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "shop.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}
`,
  "templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "shop.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "shop.labels" . | nindent 8 }}
    spec:
      serviceAccountName: {{ include "shop.serviceAccountName" . }}
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "shop.fullname" . }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
`,
  "templates/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
    - port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
      name: http
  selector:
    {{- include "shop.selectorLabels" . | nindent 4 }}
`,
  "templates/serviceaccount.yaml": `{{- if .Values.serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "shop.serviceAccountName" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
`,
  "templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
data:
  REGION: {{ .Values.config.region | quote }}
  FEATURES: {{ join "," .Values.config.features | quote }}
`,
  "templates/hpa.yaml": `{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "shop.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
`,
  "templates/ingress.yaml": `{{- if .Values.ingress.enabled -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  ingressClassName: {{ .Values.ingress.className }}
  rules:
    {{- range .Values.ingress.hosts }}
    - host: {{ . | quote }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ include "shop.fullname" $ }}
                port:
                  number: {{ $.Values.service.port }}
    {{- end }}
{{- end }}
`,
};

const REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"] as const;

/** The per-cluster values every path gets for cluster i (the same values the baseline passes with --set). */
function clusterValues(i: number): { set: string[]; region: string } {
  const region = REGIONS[i % 3];
  return {
    region,
    set: [`replicaCount=${String(1 + (i % 5))}`, `image.tag=2.7.${String(i % 10)}`, `config.region=${region}`, `autoscaling.enabled=${String(i % 4 === 0)}`, `ingress.enabled=true`, `ingress.hosts[0]=shop.c${String(i)}.example.com`],
  };
}

function fleetFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(CHART)) files[`charts/shop/${path}`] = text;
  for (let i = 0; i < CLUSTERS; i++) {
    files[`clusters/c${String(i)}.yaml`] = `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: c${String(i)}\n  labels:\n    region: ${REGIONS[i % 3]}\n    replicas: "${String(1 + (i % 5))}"\n    tag: "2.7.${String(i % 10)}"\n    autoscale: "${String(i % 4 === 0)}"\n`;
  }
  files["appsets/shop.yaml"] = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: shop
spec:
  goTemplate: true
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'shop-{{.name}}'
    spec:
      project: default
      source:
        repoURL: .
        path: charts/shop
        helm:
          valuesObject:
            config:
              region: '{{index .metadata.labels "region"}}'
            ingress:
              enabled: true
              hosts: ['shop.{{.name}}.example.com']
          parameters:
          - {name: replicaCount, value: '{{index .metadata.labels "replicas"}}'}
          - {name: image.tag, value: '{{index .metadata.labels "tag"}}', forceString: true}
          - {name: autoscaling.enabled, value: '{{index .metadata.labels "autoscale"}}'}
      destination: {name: '{{.name}}', namespace: shop}
`;
  return files;
}

/** The machine is shared: each figure is printed with the load it was measured under. */
function load(): string {
  return `load ${loadavg().map((n) => n.toFixed(1)).join(" ")}`;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** CPU seconds of this process (user + system) since `start`: the machine is shared, so wall time alone misleads. */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

async function main(): Promise<void> {
  const files = fleetFiles();
  const snapshot = memorySnapshot(files, { revision: "0123456789abcdef0123456789abcdef01234567", source: "https://git.example.com/fleet.git" });

  // 1. The chart parse.
  const chartFiles = new Map(Object.entries(CHART).map(([k, v]) => [k, new TextEncoder().encode(v)]));
  let t = process.hrtime.bigint();
  const loaded = await HELM_ENGINE.loadFiles(chartFiles, "charts/shop", { field: "bench" });
  const parse = seconds(t);

  // 2. 1 000 renders with distinct values once the chart is parsed: the engine with Argo's options.
  const helm = (i: number) => readArgoHelmSource({ parameters: clusterValues(i).set.map((s) => ({ name: s.slice(0, s.indexOf("=")), value: s.slice(s.indexOf("=") + 1) })) }, { field: "bench" });
  const apps = new ChartApps();
  const origin = { kind: "git" as const, snapshot, path: "charts/shop" };
  const env = { ARGOCD_APP_NAME: "", ARGOCD_APP_NAMESPACE: "shop", ARGOCD_APP_PROJECT_NAME: "default", ARGOCD_APP_REVISION: "", ARGOCD_APP_REVISION_SHORT: "", ARGOCD_APP_SOURCE_REPO_URL: ".", ARGOCD_APP_SOURCE_PATH: "charts/shop", ARGOCD_APP_SOURCE_TARGET_REVISION: "HEAD", KUBE_VERSION: "", KUBE_API_VERSIONS: "" };
  await apps.render({ origin, helm: helm(0), appName: "warmup", namespace: "shop", refs: new Map(), env, field: "bench" });
  t = process.hrtime.bigint();
  let cpu = process.cpuUsage();
  let objects = 0;
  for (let i = 0; i < CLUSTERS; i++) {
    const out = apps.render({ origin, helm: helm(i), appName: `bench-c${String(i)}`, namespace: "shop", refs: new Map(), env, field: "bench" });
    objects += (out instanceof Promise ? await out : out).length;
  }
  const engine = seconds(t);
  const engineCpu = cpuSeconds(cpu);
  const engineLoad = load();
  void loaded;

  // 3. The whole fleet render, as the hub does it in one thread (under the default budget).
  t = process.hrtime.bigint();
  cpu = process.cpuUsage();
  const render = await renderSnapshot(snapshot, { manifests: new ManifestRenderer({ kustomize: noKustomize }), budget: DEFAULT_RENDER_BUDGET });
  const fleet = seconds(t);
  const fleetCpu = cpuSeconds(cpu);
  const fleetLoad = load();
  const failed = render.clusters.flatMap((c) => c.apps.filter((a) => a.error !== undefined));
  if (failed.length > 0) throw new Error(`the fleet render failed: ${JSON.stringify(failed[0]?.error)}`);
  const fleetObjects = render.clusters.reduce((n, c) => n + c.apps.reduce((m, a) => m + a.objects.length, 0), 0);

  // 4. Baseline: a fresh process per render (`flotilla helm template`, i.e. what a helm binary per app costs).
  const dir = await mkdtemp(join(tmpdir(), "helm-render-bench-"));
  try {
    for (const [path, text] of Object.entries(CHART)) {
      await mkdir(dirname(join(dir, "shop", path)), { recursive: true });
      await writeFile(join(dir, "shop", path), text);
    }
    t = process.hrtime.bigint();
    for (let i = 0; i < SAMPLE; i++) {
      const args = [CLI, "helm", "template", `shop-c${String(i)}`, join(dir, "shop"), "--namespace", "shop", ...clusterValues(i).set.flatMap((s) => ["--set", s])];
      const r = spawnSync(process.execPath, args, { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`baseline helm template failed: ${r.stderr}`);
    }
    const perProcess = seconds(t) / SAMPLE;
    const baselineLoad = load();
    const baseline = perProcess * CLUSTERS;
    console.log(`helm-render: 1 chart (${Object.keys(CHART).length} files) × ${CLUSTERS} clusters with per-cluster values`);
    console.log(`  chart parse (once): ${(parse * 1000).toFixed(1)} ms`);
    console.log(`  ${CLUSTERS} renders once parsed (engine, Argo's options): ${engine.toFixed(3)} s wall, ${engineCpu.toFixed(3)} s CPU, ${objects} objects (target ≤ 2 s: ${engineCpu <= 2 ? "met" : "MISSED"}) [${engineLoad}]`);
    console.log(`  whole renderSnapshot (expand, load, render, digests): ${fleet.toFixed(3)} s wall, ${fleetCpu.toFixed(3)} s CPU, ${fleetObjects} objects [${fleetLoad}]`);
    console.log(`  baseline: a fresh process per render, ${(perProcess * 1000).toFixed(0)} ms each (mean of ${SAMPLE}), × ${CLUSTERS} = ${baseline.toFixed(1)} s (extrapolated) [${baselineLoad}]`);
    console.log(`  ratio: ${(baseline / engine).toFixed(0)}× the baseline (renders once parsed), ${(baseline / fleet).toFixed(0)}× (whole renderSnapshot) (target ≥ 50×; wall time against wall time)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
