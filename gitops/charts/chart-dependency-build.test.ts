import { describe, expect, it } from "vitest";
import { loadChart, readChartArchive } from "../../helm/index.js";
import { buildChartDependencies, missingDependencies, withDependencies, type DependencyPorts } from "./chart-dependency-build.js";
import { packChartFiles } from "./chart-pack.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const files = (o: Record<string, string>): Map<string, Uint8Array> => new Map(Object.entries(o).map(([k, v]) => [k, enc(v)]));
const sub = (name: string, version: string): Map<string, Uint8Array> => files({ "Chart.yaml": `apiVersion: v2\nname: ${name}\nversion: ${version}\n`, "templates/cm.yaml": "kind: ConfigMap\n" });

const PARENT = `apiVersion: v2
name: web
version: 1.0.0
dependencies:
- name: db
  version: ^1.0.0
  repository: https://charts.example.com/stable
- name: cache
  version: ~2.1.0
  repository: "@team"
- name: lib
  version: ">=0.1.0"
  repository: file://../lib
- name: local
  version: 0.3.0
`;

function ports(calls: string[]): DependencyPorts {
  const published: Record<string, string[]> = { db: ["1.0.0", "1.4.2", "2.0.0"], cache: ["2.1.0", "2.1.5", "2.2.0"] };
  return {
    remote: async (req) => {
      calls.push(`${req.repoURL} ${req.chart} ${req.version}`);
      const versions = published[req.chart] ?? [];
      const version = versions.includes(req.version) ? req.version : req.version.startsWith("^") ? "1.4.2" : "2.1.5";
      return { version, bytes: await packChartFiles(req.chart, sub(req.chart, version)) };
    },
    local: (path) => Promise.resolve(path === "../lib" ? sub("lib", "0.2.0") : undefined),
    repoNames: new Map([["team", "oci://registry.example.com/team"]]),
    now: () => new Date(Date.UTC(2026, 11, 8)),
  };
}

const where = { file: "charts/web/Chart.yaml", field: "dependencies" };

describe("helm dependency update / build", () => {
  it("update resolves every constraint, packs file:// charts, keeps vendored ones and writes Chart.lock; build then reuses it", async () => {
    const chart = files({ "Chart.yaml": PARENT, "charts/local/Chart.yaml": "apiVersion: v2\nname: local\nversion: 0.3.0\n", "charts/db-0.9.0.tgz": "" });
    chart.set("charts/db-0.9.0.tgz", await packChartFiles("db", sub("db", "0.9.0")));
    const calls: string[] = [];
    const lines: string[] = [];
    const updated = await buildChartDependencies(chart, { mode: "update", chart: "charts/web", where }, { ...ports(calls), out: (l) => lines.push(l) });
    expect(calls).toEqual(["https://charts.example.com/stable db ^1.0.0", "oci://registry.example.com/team cache ~2.1.0"]);
    expect([...updated.added.keys()].sort()).toEqual(["charts/cache-2.1.5.tgz", "charts/db-1.4.2.tgz", "charts/lib-0.2.0.tgz"]);
    expect(updated.removed).toEqual(["charts/db-0.9.0.tgz"]);
    expect(updated.lock.dependencies).toEqual([
      { name: "db", repository: "https://charts.example.com/stable", version: "1.4.2" },
      { name: "cache", repository: "oci://registry.example.com/team", version: "2.1.5" },
      { name: "lib", repository: "file://../lib", version: "0.2.0" },
      { name: "local", repository: "", version: "0.3.0" },
    ]);
    expect(updated.lockFile?.name).toBe("Chart.lock");
    expect(updated.lockFile?.text).toContain('generated: "2026-12-08T00:00:00Z"');
    expect(lines).toContain("Downloading db from repo https://charts.example.com/stable");
    expect(lines).toContain("Dependency local did not declare a repository. Assuming it exists in the charts directory");
    const after = withDependencies(chart, updated);
    const loaded = await loadChart(after, { source: "web" });
    expect(missingDependencies(loaded)).toEqual([]);
    // The packed file:// chart is a chart archive helm can read.
    expect((await readChartArchive(updated.added.get("charts/lib-0.2.0.tgz")!, { source: "lib" })).has("Chart.yaml")).toBe(true);

    // build with the lock in sync: exact locked versions, no lock written.
    const calls2: string[] = [];
    const built = await buildChartDependencies(after, { mode: "build", chart: "charts/web", where }, ports(calls2));
    expect(calls2).toEqual(["https://charts.example.com/stable db 1.4.2", "oci://registry.example.com/team cache 2.1.5"]);
    expect(built.lockFile).toBeUndefined();
    expect(built.remotes).toEqual(["https://charts.example.com/stable", "oci://registry.example.com/team"]);
  });

  it("build refuses a Chart.lock out of sync with Chart.yaml, as helm does", async () => {
    const chart = files({ "Chart.yaml": PARENT.replace("^1.0.0", "^1.1.0"), "charts/local/Chart.yaml": "apiVersion: v2\nname: local\nversion: 0.3.0\n" });
    const first = await buildChartDependencies(chart, { mode: "update", chart: "charts/web", where }, ports([]));
    const stale = withDependencies(files({ "Chart.yaml": PARENT, "charts/local/Chart.yaml": "apiVersion: v2\nname: local\nversion: 0.3.0\n" }), { ...first, added: new Map(), removed: [] });
    await expect(buildChartDependencies(stale, { mode: "build", chart: "charts/web", where }, ports([]))).rejects.toMatchObject({
      code: "GITOPS_CHART_DEPENDENCY",
      message: "the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies",
      file: "charts/web/Chart.lock",
    });
  });

  it("refuses unknown @names, plain http repositories, missing file:// charts and unmet vendored constraints before fetching", async () => {
    const one = (dep: string): Map<string, Uint8Array> => files({ "Chart.yaml": `apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n- ${dep}\n` });
    const calls: string[] = [];
    const run = (f: Map<string, Uint8Array>) => buildChartDependencies(f, { mode: "update", chart: "web", where }, ports(calls));
    await expect(run(one("{name: db, version: 1.0.0, repository: '@nope'}"))).rejects.toMatchObject({ code: "GITOPS_CHART_DEPENDENCY", message: expect.stringContaining("no repository definition for @nope") });
    await expect(run(one("{name: db, version: 1.0.0, repository: 'http://charts.example.com'}"))).rejects.toMatchObject({ code: "GITOPS_CHART_DEPENDENCY", message: expect.stringContaining("plain http") });
    await expect(run(one("{name: db, version: 1.0.0, repository: 'file://../elsewhere'}"))).rejects.toMatchObject({ code: "GITOPS_CHART_DEPENDENCY", message: expect.stringContaining("not found") });
    const vendored = one("{name: local, version: ^1.0.0}");
    vendored.set("charts/local/Chart.yaml", enc("apiVersion: v2\nname: local\nversion: 0.3.0\n"));
    await expect(run(vendored)).rejects.toMatchObject({ message: "dependency local at version 0.3.0 does not satisfy the constraint ^1.0.0" });
    expect(calls).toEqual([]);
  });
});

describe("a chart without dependencies", () => {
  it("is a success with nothing to do and no lock written, as helm's Update", async () => {
    const r = await buildChartDependencies(files({ "Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n" }), { mode: "update", chart: "web", where }, ports([]));
    expect(r.added.size).toBe(0);
    expect(r.lockFile).toBeUndefined();
  });
});
