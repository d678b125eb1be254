import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChartFetcher, chartResolver, DEFAULT_RENDER_BUDGET, GitCredentials, ManifestRenderer, memorySnapshot, RenderPool, renderSnapshot, type FleetRender, type SourcePolicy } from "../../gitops/index.js";
import { makeTestPki, packChart, startChartServer, type ChartServer } from "../harness/index.js";

// Attack: an insider who can write a chart's Chart.yaml (or an app's value files) but not the
// hub's sourceRepos tries to make the hub fetch from a repository their project may not read
// (a dependency, a dependency of a chart fetched from an allowed repository, a value file URL),
// to read outside the fleet repository (`file://` paths, symlinks), or to have the hub send the
// chart repository's credentials to another host. Rendered as the hub renders: in render workers
// (the hub's thread answers and checks every request) and in-thread.

const PASSWORD = "dep-repo-pass-MUST-NOT-LEAK-93b1";
const noKustomize = { build: () => Promise.reject(new Error("no kustomize here")) };

let dir: string;
let ca: string;
let allowed: ChartServer;
let forbidden: ChartServer;

const chart = (name: string, deps = ""): Record<string, string> => ({
  "Chart.yaml": `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n${deps === "" ? "" : `dependencies:\n${deps}`}`,
  "templates/cm.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-${name}\ndata:\n  v: {{ .Values.v | default "x" | quote }}\n`,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-dep-attack-"));
  const pki = await makeTestPki(dir);
  ca = await readFile(pki.caFile, "utf8");
  allowed = await startChartServer({ tls: pki.server, repoAuth: { username: "ci", password: PASSWORD } });
  forbidden = await startChartServer({ tls: pki.server });
  forbidden.addRepoChart("db", "1.0.0", await packChart("db", chart("db")));
  forbidden.addRepoFile("values.yaml", "v: stolen\n");
  allowed.addRepoChart("db", "1.0.0", await packChart("db", chart("db")));
  // A chart the project may read, whose own Chart.yaml reaches for a repository it may not.
  allowed.addRepoChart("trojan", "1.0.0", await packChart("trojan", chart("trojan", `- {name: db, version: 1.0.0, repository: "${forbidden.url}/charts"}\n`)));
});

afterAll(async () => {
  await allowed?.close();
  await forbidden?.close();
  await rm(dir, { recursive: true, force: true });
});

// Like the hub's sourceRepos: project "team" may read the fleet repository and the allowed server only.
const policy: SourcePolicy = (req) => (req.project === "team" && !req.repoURL.startsWith(allowed.url) && req.repoURL !== "." ? `project team may not read ${req.repoURL}` : undefined);

function appSet(name: string, source: string, elements = '[{id: a, proj: team}]'): string {
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata: {name: ${name}}
spec:
  goTemplate: true
  generators: [{list: {elements: ${elements}}}]
  template:
    metadata: {name: '${name}-{{.id}}'}
    spec:
      project: '{{.proj}}'
${source}
      destination: {name: c1, namespace: ${name}}
`;
}

const gitChart = (path: string, helm = ""): string => `      source:\n        repoURL: .\n        path: ${path}\n${helm}`;

async function render(files: Record<string, string>, mode: string): Promise<FleetRender> {
  const snapshot = memorySnapshot({ "clusters/c1.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: c1\n", ...files }, { revision: "0123456789abcdef0123456789abcdef01234567", source: "https://git.example.com/fleet.git" });
  const pool = mode === "in-thread" ? undefined : new RenderPool({ size: 1, budget: DEFAULT_RENDER_BUDGET });
  try {
    const fetcher = new ChartFetcher({ credentials: new GitCredentials({ entries: [{ url: allowed.url, username: "ci", password: PASSWORD }] }).resolver(), http: { ca }, indexTtlMs: 0 });
    return await renderSnapshot(snapshot, { manifests: new ManifestRenderer({ kustomize: noKustomize }), sourcePolicy: policy, fleetRepoURLs: ["."], charts: chartResolver(fetcher), renderAppSet: pool?.renderer });
  } finally {
    await pool?.close();
  }
}

function errors(r: FleetRender): Record<string, string | undefined> {
  if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors));
  return Object.fromEntries(r.clusters.flatMap((c) => c.apps.map((a) => [a.name, a.error?.code])));
}

describe.each([["in render workers"], ["in-thread"]])("chart dependencies and value files %s", (mode) => {
  it("refuses dependencies and value files outside sourceRepos before any request, even when another project built the same chart", async () => {
    const before = forbidden.requests.length;
    const r = await render(
      {
        ...Object.fromEntries(Object.entries(chart("sneaky", `- {name: db, version: 1.0.0, repository: "${forbidden.url}/charts"}\n`)).map(([p, t]) => [`charts/sneaky/${p}`, t])),
        "appsets/dep.yaml": appSet("dep", gitChart("charts/sneaky")),
        "appsets/trojan.yaml": appSet("trojan", `      source: {repoURL: '${allowed.url}/charts', chart: trojan, targetRevision: 1.0.0}`),
        "appsets/url.yaml": appSet("url", gitChart("charts/ok", `        helm: {valueFiles: ['${forbidden.url}/charts/values.yaml']}\n`)),
        ...Object.fromEntries(Object.entries(chart("ok")).map(([p, t]) => [`charts/ok/${p}`, t])),
      },
      mode,
    );
    expect(errors(r)).toEqual({ "dep-a": "GITOPS_SOURCE_NOT_PERMITTED", "trojan-a": "GITOPS_SOURCE_NOT_PERMITTED", "url-a": "GITOPS_SOURCE_NOT_PERMITTED" });
    expect(forbidden.requests.slice(before)).toEqual([]);

    // Project default may read anything: its app builds the chart; team's app in the same ApplicationSet still may not.
    const shared = await render(
      {
        ...Object.fromEntries(Object.entries(chart("sneaky", `- {name: db, version: 1.0.0, repository: "${forbidden.url}/charts"}\n`)).map(([p, t]) => [`charts/sneaky/${p}`, t])),
        "appsets/dep.yaml": appSet("dep", gitChart("charts/sneaky"), "[{id: a, proj: default}, {id: b, proj: team}]"),
      },
      mode,
    );
    expect(errors(shared)).toEqual({ "dep-a": undefined, "dep-b": "GITOPS_SOURCE_NOT_PERMITTED" });
    // The other host got no credentials: they are configured for the allowed server only.
    expect(forbidden.requests.slice(before).every((q) => q.authorization === undefined)).toBe(true);
    expect(JSON.stringify([r, shared])).not.toContain(PASSWORD);
  });

  it("keeps file:// dependencies and value files inside the repository, and refuses plain http and other schemes", async () => {
    const deps = (dir: string, repo: string): Record<string, string> =>
      Object.fromEntries(Object.entries(chart(dir, `- {name: lib, version: 0.1.0, repository: "${repo}"}\n`)).map(([p, t]) => [`charts/${dir}/${p}`, t]));
    const files: Record<string, string> = {
      ...deps("up", "file://../../../../etc"),
      ...deps("abs", "file:///etc"),
      ...deps("http", "http://charts.example.com"),
      ...Object.fromEntries(Object.entries(chart("ok")).map(([p, t]) => [`charts/ok/${p}`, t])),
      "appsets/up.yaml": appSet("up", gitChart("charts/up")),
      "appsets/abs.yaml": appSet("abs", gitChart("charts/abs")),
      "appsets/http.yaml": appSet("http", gitChart("charts/http")),
      "appsets/scheme.yaml": appSet("scheme", gitChart("charts/ok", "        helm: {valueFiles: ['file:///etc/passwd']}\n")),
      "appsets/glob.yaml": appSet("glob", gitChart("charts/ok", "        helm: {valueFiles: ['../../../../*']}\n")),
    };
    const got = errors(await render(files, mode));
    expect(got).toEqual({ "up-a": "GITOPS_PATH_ESCAPE", "abs-a": "GITOPS_PATH_ESCAPE", "http-a": "GITOPS_CHART_DEPENDENCY", "scheme-a": "GITOPS_INVALID", "glob-a": "GITOPS_PATH_ESCAPE" });
  });
});
