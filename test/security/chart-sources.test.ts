import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChartFetcher, chartRefOf, chartResolver, DEFAULT_RENDER_BUDGET, GitCredentials, ManifestRenderer, memorySnapshot, RenderPool, renderSnapshot, type FleetRender, type SourcePolicy } from "../../gitops/index.js";
import { makeTestPki, packChart, startChartServer, type ChartServer } from "../harness/index.js";

// Attack: a Git writer points apps at chart repositories to make the hub fetch what its project
// may not read, or to harvest the chart repository's credentials (an index that sends the archive
// download to another host, a chart server over plain http). The render runs as the hub runs it,
// in render workers (the hub's thread answers chart requests) and in-thread.

const PASSWORD = "chart-repo-pass-MUST-NOT-LEAK-c41e";
const noKustomize = { build: () => Promise.reject(new Error("no kustomize here")) };

let dir: string;
let ca: string;
let allowed: ChartServer;
let forbidden: ChartServer;

const chart = (name: string): Record<string, string> => ({
  "Chart.yaml": `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`,
  "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  v: x\n",
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-chart-attack-"));
  const pki = await makeTestPki(dir);
  ca = await readFile(pki.caFile, "utf8");
  allowed = await startChartServer({ tls: pki.server, repoAuth: { username: "ci", password: PASSWORD } });
  forbidden = await startChartServer({ tls: pki.server });
  allowed.addRepoChart("web", "1.0.0", await packChart("web", chart("web")));
  // The index points the archive at another host name of the same machine: the credentials are for 127.0.0.1 only.
  const elsewhere = await packChart("moved", chart("moved"));
  forbidden.addRepoChart("moved", "1.0.0", elsewhere);
  allowed.addRepoChart("moved", "1.0.0", elsewhere, { url: `https://localhost:${String(forbidden.port)}/charts/moved-1.0.0.tgz` });
  forbidden.addRepoChart("web", "1.0.0", await packChart("web", chart("web")));
});

afterAll(async () => {
  await allowed.close();
  await forbidden.close();
  await rm(dir, { recursive: true, force: true });
});

function fleet(apps: Record<string, { repoURL: string; chart: string; project?: string }>) {
  const files: Record<string, string> = { "clusters/c1.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: c1\n" };
  for (const [name, app] of Object.entries(apps)) {
    files[`appsets/${name}.yaml`] = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: '${name}-{{.name}}'
    spec:
      project: ${app.project ?? "default"}
      source: {repoURL: '${app.repoURL}', chart: ${app.chart}, targetRevision: 1.0.0}
      destination: {name: '{{.name}}', namespace: ${name}}
`;
  }
  return memorySnapshot(files, { revision: "0123456789abcdef0123456789abcdef01234567", source: "https://git.example.com/fleet.git" });
}

// Like the hub's sourceRepos: project "team" may read the allowed server only.
const policy: SourcePolicy = (req) => (req.project === "team" && !req.repoURL.startsWith(allowed.url) ? `project team may not read ${req.repoURL}` : undefined);

function fetcher(): ChartFetcher {
  return new ChartFetcher({ credentials: new GitCredentials({ entries: [{ url: allowed.url, username: "ci", password: PASSWORD }] }).resolver(), http: { ca }, indexTtlMs: 0 });
}

function errorsOf(render: FleetRender): Record<string, string | undefined> {
  return Object.fromEntries(render.clusters.flatMap((c) => c.apps.map((a) => [a.appSet, a.error?.code])));
}

describe.each([["in render workers"], ["in-thread"]])("chart sources %s", (mode) => {
  it("refuses a chart repository sourceRepos does not permit before any request, and never sends credentials to another host", async () => {
    const snapshot = fleet({
      sneaky: { repoURL: `${forbidden.url}/charts`, chart: "web", project: "team" },
      sneakyoci: { repoURL: `oci://127.0.0.1:${String(forbidden.port)}/team`, chart: "web", project: "team" },
      moved: { repoURL: `${allowed.url}/charts`, chart: "moved", project: "team" },
    });
    const before = forbidden.requests.length;
    const pool = mode === "in-thread" ? undefined : new RenderPool({ size: 1, budget: DEFAULT_RENDER_BUDGET });
    try {
      const render = await renderSnapshot(snapshot, {
        manifests: new ManifestRenderer({ kustomize: noKustomize }),
        sourcePolicy: policy,
        charts: chartResolver(fetcher()),
        renderAppSet: pool?.renderer,
      });
      const errors = errorsOf(render);
      expect(errors["sneaky"]).toBe("GITOPS_SOURCE_NOT_PERMITTED");
      expect(errors["sneakyoci"]).toBe("GITOPS_SOURCE_NOT_PERMITTED");
      // The moved archive was fetched from the other host without the repository's credentials.
      const moved = forbidden.requests.slice(before);
      expect(moved.map((r) => r.path)).toEqual(["/charts/moved-1.0.0.tgz"]);
      expect(moved[0]?.authorization).toBeUndefined();
      expect(JSON.stringify(render)).not.toContain(PASSWORD);
    } finally {
      await pool?.close();
    }
  });
});

describe("chart references", () => {
  it("refuse userinfo, queries and bad names before anything is fetched", () => {
    const where = { field: "spec.template.spec.source.repoURL" };
    expect(() => chartRefOf({ repoURL: `https://ci:${PASSWORD}@127.0.0.1/charts`, chart: "web", targetRevision: "1.0.0" }, where)).toThrow(expect.objectContaining({ code: "GITOPS_REPO_URL" }));
    expect(() => chartRefOf({ repoURL: "oci://evil@registry.example.com/x", chart: "web", targetRevision: "1.0.0" }, where)).toThrow(expect.objectContaining({ code: "GITOPS_REPO_URL" }));
    expect(() => chartRefOf({ repoURL: "https://charts.example.com/?x=1", chart: "web", targetRevision: "" }, where)).toThrow(expect.objectContaining({ code: "GITOPS_REPO_URL" }));
    expect(() => chartRefOf({ repoURL: "https://charts.example.com", chart: "../web", targetRevision: "" }, where)).toThrow(expect.objectContaining({ code: "GITOPS_CHART" }));
    expect(() => chartRefOf({ repoURL: "oci://registry.example.com/Team", chart: "web", targetRevision: "" }, where)).toThrow(expect.objectContaining({ code: "GITOPS_REPO_URL" }));
  });
});
