import { createServer, type IncomingHttpHeaders } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChartFetcher } from "../../gitops/charts/chart-fetcher.js";
import { chartRefOf } from "../../gitops/charts/chart-ref.js";
import { readChartArchive } from "../../helm/index.js";
import { GitCredentials } from "../../gitops/git-credentials.js";
import { makeTestPki, packChart, runFlotilla, startChartServer, type ChartServer } from "../harness/index.js";

// The chart fetcher against a real HTTPS Helm repository and OCI registry (test/harness/chart-server).

const where = { file: "appsets/charts.yaml", field: "spec.template.spec.source.repoURL" };
const chartFiles = (version: string): Record<string, string> => ({
  "Chart.yaml": `apiVersion: v2\nname: web\nversion: ${version}\n`,
  "values.yaml": "replicas: 1\n",
  "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
});

let dir: string;
let ca: string;
let caFile: string;
let server: ChartServer;
let other: ChartServer;
const SECRET = "repo-pass-9f3e1c";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-charts-"));
  const pki = await makeTestPki(dir);
  ca = await readFile(pki.caFile, "utf8");
  caFile = pki.caFile;
  server = await startChartServer({ tls: pki.server, repoAuth: { username: "ci", password: SECRET }, registryAuth: { username: "ci", password: SECRET } });
  for (const v of ["1.0.0", "1.2.0", "1.3.0-rc.1", "2.0.0"]) server.addRepoChart("web", v, await packChart("web", chartFiles(v)));
  server.addRepoChart("tampered", "1.0.0", await packChart("tampered", chartFiles("1.0.0")), { digest: "0".repeat(64) });
  for (const v of ["0.9.0", "1.1.0", "1.1.1+build.7"]) server.addOciChart("team/web", v.replace("+", "_"), await packChart("web", chartFiles(v)));
  server.addOciChart("team/bad", "1.0.0", await packChart("bad", chartFiles("1.0.0")), { layerDigest: `sha256:${"1".repeat(64)}` });
  // The token realm on another host name (localhost, not 127.0.0.1): the registry's credentials must not go there.
  other = await startChartServer({ tls: pki.server, realmHost: "localhost" });
  other.addOciChart("team/web", "1.0.0", await packChart("web", chartFiles("1.0.0")));
});

afterAll(async () => {
  await server.close();
  await other.close();
  await rm(dir, { recursive: true, force: true });
});

function fetcher(extra: { cacheDir?: string } = {}): ChartFetcher {
  const credentials = new GitCredentials({ entries: [{ url: server.url, username: "ci", password: SECRET }, { url: other.url, username: "ci", password: SECRET }] }).resolver();
  return new ChartFetcher({ credentials, http: { ca }, indexTtlMs: 0, ...extra });
}

const repo = (chart: string, targetRevision: string) => chartRefOf({ repoURL: `${server.url}/charts`, chart, targetRevision }, where);
const oci = (url: string, chart: string, targetRevision: string) => chartRefOf({ repoURL: url, chart, targetRevision }, where);

describe("Helm repository", () => {
  it("resolves a constraint to the highest release, as helm does, and unpacks the archive", async () => {
    const got = await fetcher().fetch(repo("web", "^1.0.0"), where);
    expect(got.version).toBe("1.2.0");
    expect(got.digest).toMatch(/^sha256:[0-9a-f]{64}$/u);
    const files = await readChartArchive(got.bytes, { source: "web" });
    expect([...files.keys()].sort()).toEqual(["Chart.yaml", "templates/cm.yaml", "values.yaml"]);
  });

  it("takes an exact version, a prerelease only when the constraint names one, and * as the latest release", async () => {
    const f = fetcher();
    expect((await f.fetch(repo("web", "1.0.0"), where)).version).toBe("1.0.0");
    expect((await f.fetch(repo("web", ">=1.3.0-rc.0 <2"), where)).version).toBe("1.3.0-rc.1");
    expect((await f.fetch(repo("web", ">= 1.1, < 2"), where)).version).toBe("1.2.0");
    expect((await f.fetch(repo("web", "*"), where)).version).toBe("2.0.0");
    expect((await f.fetch(repo("web", ""), where)).version).toBe("2.0.0");
  });

  it("reuses a cached archive whose digest the index names (no second download)", async () => {
    const cacheDir = join(dir, "cache");
    await fetcher({ cacheDir }).fetch(repo("web", "2.0.0"), where);
    const before = server.requests.filter((r) => r.path === "/charts/web-2.0.0.tgz").length;
    const again = await fetcher({ cacheDir }).fetch(repo("web", "2.0.0"), where);
    expect(again.version).toBe("2.0.0");
    expect(server.requests.filter((r) => r.path === "/charts/web-2.0.0.tgz").length).toBe(before);
  });

  it("fails with a code and the field for an unknown version, a bad constraint, a missing chart and a digest mismatch", async () => {
    const f = fetcher();
    await expect(f.fetch(repo("web", "3.0.0"), where)).rejects.toMatchObject({ code: "GITOPS_CHART_VERSION", file: where.file, field: "spec.template.spec.source.targetRevision" });
    await expect(f.fetch(repo("web", ">=1.x.y <"), where)).rejects.toMatchObject({ code: "GITOPS_CHART_VERSION", field: "spec.template.spec.source.targetRevision" });
    await expect(f.fetch(repo("nope", "1.0.0"), where)).rejects.toMatchObject({ code: "GITOPS_CHART", file: where.file });
    await expect(f.fetch(repo("tampered", "1.0.0"), where)).rejects.toMatchObject({ code: "GITOPS_CHART_DIGEST" });
  });

  it("sends the repository's credentials to it, and nothing without an entry", async () => {
    const n = server.requests.length;
    await expect(new ChartFetcher({ http: { ca }, indexTtlMs: 0 }).fetch(repo("web", "1.0.0"), where)).rejects.toMatchObject({ code: "GITOPS_CHART_FETCH" });
    expect(server.requests.slice(n).every((r) => r.authorization === undefined)).toBe(true);
  });
});

describe("OCI registry", () => {
  it("pulls a chart with the token flow and verifies its digest; a constraint resolves against the tags", async () => {
    const f = fetcher();
    const exact = await f.fetch(oci(`oci://127.0.0.1:${String(server.port)}/team`, "web", "1.1.0"), where);
    expect(exact.version).toBe("1.1.0");
    expect(server.requests.some((r) => r.path.startsWith("/token?") && r.authorization?.startsWith("Basic ") === true)).toBe(true);
    // Argo's scheme-less form, a constraint, and a `+` build that the registry stores as `_`.
    const ranged = await f.fetch(oci(`127.0.0.1:${String(server.port)}/team`, "web", "~1.1.0"), where);
    expect(ranged.version).toBe("1.1.1+build.7");
    expect(new TextDecoder().decode((await readChartArchive(ranged.bytes, { source: "web" })).get("Chart.yaml"))).toContain("1.1.1+build.7");
  });

  it("fails on a layer whose bytes do not match its digest, and on an unknown tag", async () => {
    const f = fetcher();
    await expect(f.fetch(oci(`oci://127.0.0.1:${String(server.port)}/team`, "bad", "1.0.0"), where)).rejects.toMatchObject({ code: "GITOPS_CHART_DIGEST" });
    await expect(f.fetch(oci(`oci://127.0.0.1:${String(server.port)}/team`, "web", "7.0.0"), where)).rejects.toMatchObject({ code: "GITOPS_CHART_VERSION" });
    await expect(f.fetch(oci(`oci://127.0.0.1:${String(server.port)}/team`, "ghost", "^1"), where)).rejects.toMatchObject({ code: "GITOPS_CHART" });
  });

  it("never sends the registry's credentials to a token realm on another host", async () => {
    const got = await fetcher().fetch(oci(`oci://127.0.0.1:${String(other.port)}/team`, "web", "1.0.0"), where);
    expect(got.version).toBe("1.0.0");
    const tokenCalls = other.requests.filter((r) => r.path.startsWith("/token"));
    expect(tokenCalls.length).toBeGreaterThan(0);
    expect(tokenCalls.every((r) => r.host.startsWith("localhost:") && r.authorization === undefined)).toBe(true);
  });
});

describe("plain http", () => {
  it("never carries credentials, even when a resolver hands some out", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const plain = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    const port = (plain.address() as { port: number }).port;
    try {
      const leaky = new ChartFetcher({ credentials: () => ({ username: "ci", password: SECRET }), indexTtlMs: 0 });
      await expect(leaky.fetch(chartRefOf({ repoURL: `http://127.0.0.1:${String(port)}/charts`, chart: "web", targetRevision: "1.0.0" }, where), where)).rejects.toMatchObject({ code: "GITOPS_CHART_FETCH" });
      expect(seen.length).toBe(1);
      expect(seen[0]?.authorization).toBeUndefined();
    } finally {
      await new Promise((r) => plain.close(r));
    }
  });
});

describe("flotilla helm template", () => {
  it("renders a chart from a Helm repository (--repo, --version constraint) and from an OCI registry", async () => {
    const auth = ["--ca-file", caFile, "--username", "ci", "--password", SECRET];
    const fromRepo = await runFlotilla(["helm", "template", "shop", "web", "--repo", `${server.url}/charts`, "--version", "~1.2", ...auth]);
    expect(fromRepo.stderr).toBe("");
    expect(fromRepo.stdout).toBe("---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n");
    const fromOci = await runFlotilla(["helm", "template", "shop", `oci://127.0.0.1:${String(server.port)}/team/web`, "--version", "1.1.0", ...auth]);
    expect(fromOci.stdout).toContain("name: shop");
    const missing = await runFlotilla(["helm", "template", "shop", "web", "--repo", `${server.url}/charts`, "--version", "9.9.9", ...auth]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("GITOPS_CHART_VERSION");
    expect(missing.stderr).not.toContain(SECRET);
  });
});
