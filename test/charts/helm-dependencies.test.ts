import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../../core/index.js";
import { runCli } from "../../cli/run-cli.js";
import type { CliContext } from "../../cli/context.js";
import { ChartFetcher, chartRefOf, chartResolver, DEFAULT_RENDER_BUDGET, GitCredentials, ManifestRenderer, memorySnapshot, readChartKeyring, RenderPool, renderSnapshot } from "../../gitops/index.js";
import { makeSigningKey, makeTestPki, packChart, signChartProvenance, startChartServer, type ChartServer } from "../harness/index.js";

// Issue 16, remote chart parts against a local HTTPS Helm repository: a chart directory in the
// fleet repository whose Chart.yaml names a dependency in that repository (built in process, as
// Argo CD runs `helm dependency build`) and a `file://` one, with a value file named by URL and a
// glob; `flotilla helm dependency update|list|build` on disk; provenance checked with a key made here.

const USER = "charts-ci";
const PASSWORD = "dep-pass-MUST-NOT-LEAK-77aa";
const noKustomize = { build: () => Promise.reject(new Error("no kustomize here")) };

const DB = (version: string): Record<string, string> => ({
  "Chart.yaml": `apiVersion: v2\nname: db\nversion: ${version}\n`,
  "values.yaml": "size: small\n",
  "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-db\ndata:\n  size: {{ .Values.size | quote }}\n  version: {{ .Chart.Version | quote }}\n",
});
const LIB: Record<string, string> = {
  "Chart.yaml": "apiVersion: v2\nname: lib\nversion: 0.1.0\n",
  "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-lib\ndata:\n  from: lib\n",
};
const web = (repo: string): Record<string, string> => ({
  "Chart.yaml": `apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n- name: db\n  version: ^1.0.0\n  repository: "${repo}"\n- name: lib\n  version: 0.1.0\n  repository: file://../lib\n`,
  "values.yaml": "color: grey\nsize: none\ndb:\n  size: small\n",
  "values-a.yaml": "size: a\n",
  "values-b.yaml": "size: b\n",
  "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\ndata:\n  color: {{ .Values.color | quote }}\n  size: {{ .Values.size | quote }}\n",
});

let dir: string;
let ca: string;
let caFile: string;
let server: ChartServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-helm-deps-"));
  const pki = await makeTestPki(dir);
  caFile = pki.caFile;
  ca = await readFile(pki.caFile, "utf8");
  server = await startChartServer({ tls: pki.server, repoAuth: { username: USER, password: PASSWORD } });
  for (const v of ["1.0.0", "1.2.0", "2.0.0"]) server.addRepoChart("db", v, await packChart("db", DB(v)));
  server.addRepoFile("values-prod.yaml", "color: blue\ndb:\n  size: large\n");
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function credentials(): GitCredentials {
  return new GitCredentials({ entries: [{ url: server.url, username: USER, password: PASSWORD }] });
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = { env: { HOME: dir }, cwd: dir, stdin: Readable.from([""]), stdout, stderr, clock: systemClock, logger: silentLogger, shutdown: new AbortController().signal };
  const code = await runCli(args, ctx);
  return { code, out, err };
}

describe("chart dependencies and remote value files", () => {
  it("the fleet render builds a chart's missing dependencies from a Helm repository and reads a value file by URL", async () => {
    const files: Record<string, string> = {
      "clusters/c1.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: c1\n",
      "appsets/web.yaml": `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata: {name: web}
spec:
  goTemplate: true
  generators: [{clusters: {}}]
  template:
    metadata: {name: 'web-{{.name}}'}
    spec:
      project: default
      source:
        repoURL: .
        path: charts/web
        helm:
          valueFiles: ['values-*.yaml', '${server.url}/charts/values-prod.yaml']
      destination: {name: '{{.name}}', namespace: web}
`,
    };
    for (const [p, t] of Object.entries(web(`${server.url}/charts`))) files[`charts/web/${p}`] = t;
    for (const [p, t] of Object.entries(LIB)) files[`charts/lib/${p}`] = t;
    const snapshot = memorySnapshot(files, { revision: "0123456789abcdef0123456789abcdef01234567", source: "https://git.example.com/fleet.git" });
    const pool = new RenderPool({ size: 1, budget: DEFAULT_RENDER_BUDGET });
    try {
      const render = await renderSnapshot(snapshot, {
        manifests: new ManifestRenderer({ kustomize: noKustomize }),
        fleetRepoURLs: ["."],
        charts: chartResolver(new ChartFetcher({ credentials: credentials().resolver(), http: { ca }, indexTtlMs: 0 })),
        renderAppSet: pool.renderer,
      });
      const app = render.clusters[0]?.apps[0];
      expect(app?.error).toBeUndefined();
      const data = Object.fromEntries((app?.objects ?? []).map((o) => [o.metadata.name, (o as unknown as { data: Record<string, string> }).data]));
      // values-a then values-b (lexical), then the URL file; the dependency at ^1.0.0 is 1.2.0.
      expect(data).toEqual({
        "web-c1-web": { color: "blue", size: "b" },
        "web-c1-db": { size: "large", version: "1.2.0" },
        "web-c1-lib": { from: "lib" },
      });
      expect(server.requests.some((r) => r.path === "/charts/db-1.2.0.tgz" && r.authorization?.startsWith("Basic ") === true)).toBe(true);
      expect(server.requests.some((r) => r.path === "/charts/values-prod.yaml")).toBe(true);
      expect(JSON.stringify(render)).not.toContain(PASSWORD);
    } finally {
      await pool.close();
    }
  });

  it("flotilla helm dependency update writes charts/ and Chart.lock, list reports them, build reuses the lock", async () => {
    const root = join(dir, "cli");
    for (const [p, t] of Object.entries(web("@stable"))) {
      await mkdir(join(root, "web", p, ".."), { recursive: true });
      await writeFile(join(root, "web", p), t);
    }
    for (const [p, t] of Object.entries(LIB)) {
      await mkdir(join(root, "lib", p, ".."), { recursive: true });
      await writeFile(join(root, "lib", p), t);
    }
    const repos = join(dir, "repositories.yaml");
    await writeFile(repos, `repositories:\n- name: stable\n  url: ${server.url}/charts\n  username: ${USER}\n  password: ${PASSWORD}\n`);
    const flags = ["--repository-config", repos, "--ca-file", caFile];
    const before = await cli(["helm", "dependency", "list", "cli/web"]);
    expect(before.err).toBe("");
    expect(before.out).toContain("db  \t^1.0.0 \t@stable      \tmissing");
    const up = await cli(["helm", "dependency", "update", "cli/web", ...flags]);
    expect(up.err).toBe("");
    expect(up.code).toBe(0);
    expect(up.out).toContain(`Saving 2 charts\nDownloading db from repo ${server.url}/charts\n`);
    expect((await readdir(join(root, "web", "charts"))).sort()).toEqual(["db-1.2.0.tgz", "lib-0.1.0.tgz"]);
    const lock = await readFile(join(root, "web", "Chart.lock"), "utf8");
    expect(lock).toMatch(new RegExp(`^dependencies:\\n- name: db\\n  repository: ${server.url.replace(/\./gu, "\\.")}/charts\\n  version: 1\\.2\\.0\\n- name: lib\\n  repository: file://\\.\\./lib\\n  version: 0\\.1\\.0\\ndigest: sha256:[0-9a-f]{64}\\ngenerated: "`, "u"));
    const after = await cli(["helm", "dependency", "list", "cli/web"]);
    expect(after.out.split("\n").slice(0, 3).map((l) => l.split("\t").map((c) => c.trim()))).toEqual([
      ["NAME", "VERSION", "REPOSITORY", "STATUS"],
      ["db", "^1.0.0", "@stable", "ok"],
      ["lib", "0.1.0", "file://../lib", "ok"],
    ]);
    await rm(join(root, "web", "charts"), { recursive: true });
    const build = await cli(["helm", "dependency", "build", "cli/web", ...flags]);
    expect(build.code).toBe(0);
    expect((await readdir(join(root, "web", "charts"))).sort()).toEqual(["db-1.2.0.tgz", "lib-0.1.0.tgz"]);
    expect(await readFile(join(root, "web", "Chart.lock"), "utf8")).toBe(lock);
    // A Chart.yaml changed after the lock: build refuses, as helm does.
    await writeFile(join(root, "web", "Chart.yaml"), web("@stable")["Chart.yaml"].replace("^1.0.0", "^1.1.0"));
    const stale = await cli(["helm", "dependency", "build", "cli/web", ...flags]);
    expect(stale.code).not.toBe(0);
    expect(stale.err).toContain("the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml)");
    expect(stale.err + up.out + build.out).not.toContain(PASSWORD);
  });

  it("verifies provenance: helm template --verify on a local .tgz, and the fetcher on a repository's .prov", async () => {
    const key = await makeSigningKey();
    const stranger = await makeSigningKey("Someone Else");
    const keyring = join(dir, "pubring.asc");
    await writeFile(keyring, key.armoredPublicKey);
    const archive = await packChart("db", DB("1.0.0"));
    const tgz = join(dir, "db-1.0.0.tgz");
    await writeFile(tgz, archive);
    const missing = await cli(["helm", "template", "db-1.0.0.tgz", "--verify", "--keyring", keyring]);
    expect(missing.err).toContain("GITOPS_CHART_PROVENANCE_MISSING");
    await writeFile(`${tgz}.prov`, await signChartProvenance(stranger.privateKey, archive, "db-1.0.0.tgz", DB("1.0.0")["Chart.yaml"]));
    expect((await cli(["helm", "template", "db-1.0.0.tgz", "--verify", "--keyring", keyring])).err).toContain("GITOPS_CHART_SIGNATURE");
    const prov = await signChartProvenance(key.privateKey, archive, "db-1.0.0.tgz", DB("1.0.0")["Chart.yaml"]);
    await writeFile(`${tgz}.prov`, prov);
    const ok = await cli(["helm", "template", "db-1.0.0.tgz", "--verify", "--keyring", keyring]);
    expect(ok.err).toBe("");
    expect(ok.out).toContain("name: release-name-db");

    server.addRepoChart("signed", "1.0.0", archive);
    server.addRepoFile("signed-1.0.0.tgz.prov", await signChartProvenance(key.privateKey, archive, "signed-1.0.0.tgz", DB("1.0.0")["Chart.yaml"]));
    const verifying = new ChartFetcher({ credentials: credentials().resolver(), http: { ca }, indexTtlMs: 0, provenance: await readChartKeyring(new TextEncoder().encode(key.armoredPublicKey), { field: "keyring" }) });
    const where = { field: "spec.source.repoURL" };
    const ref = (chart: string) => chartRefOf({ repoURL: `${server.url}/charts`, chart, targetRevision: "1.0.0" }, where);
    expect((await verifying.fetch(ref("signed"), where)).version).toBe("1.0.0");
    // db-1.0.0.tgz has no .prov on the server; signed-1.0.0's .prov does not list db's file name.
    await expect(verifying.fetch(ref("db"), where)).rejects.toMatchObject({ code: "GITOPS_CHART_PROVENANCE_MISSING" });
    server.addRepoFile("db-1.0.0.tgz.prov", await signChartProvenance(key.privateKey, await packChart("db", DB("9.9.9")), "db-1.0.0.tgz", DB("1.0.0")["Chart.yaml"]));
    await expect(verifying.fetch(ref("db"), where)).rejects.toMatchObject({ code: "GITOPS_CHART_DIGEST" });
  });
});
