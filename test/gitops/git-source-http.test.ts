import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeGitRepo, type GitRepo } from "../harness/index.js";
import { isGitOpsError, openGitSource, renderFleet } from "../../gitops/index.js";
import { startGitHttpServer, type GitHttpServer } from "./git-http-server.js";

// Clone and fetch over HTTP with credentials, against a real git smart-HTTP server
// (`git http-backend`) on the loopback interface. The same code path serves https:// URLs.
const TOKEN = "ghp_testtoken_0123456789abcdef";

describe("git source over HTTP with credentials", () => {
  let repo: GitRepo;
  let server: GitHttpServer;
  let cacheDir: string;
  let url: string;

  beforeAll(async () => {
    repo = await makeGitRepo({
      "clusters/a.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: a\n",
      "appsets/cm.yaml": `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: cm
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'cm-{{.name}}'
    spec:
      source: {repoURL: ., path: apps/cm, targetRevision: HEAD}
      destination: {name: '{{.name}}', namespace: cm}
`,
      "apps/cm/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  v: one\n",
    });
    await repo.tag("v1");
    server = await startGitHttpServer({ root: dirname(repo.dir), username: "x-access-token", password: TOKEN });
    url = `${server.url}/${basename(repo.dir)}/.git`;
    cacheDir = await mkdtemp(join(tmpdir(), "flotilla-git-cache-"));
  });

  afterAll(async () => {
    await server.stop();
    await repo.remove();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("clones with a token, resolves branch, tag and HEAD, and fetches new commits", async () => {
    const source = await openGitSource({ url, auth: { token: TOKEN }, allowInsecureHttp: true, cacheDir });
    const first = await repo.head();
    expect(await source.resolve("HEAD")).toBe(first);
    expect(await source.resolve("main")).toBe(first);
    expect(await source.resolve("v1")).toBe(first);
    const snapshot = await source.checkout("v1");
    expect(snapshot.readText("apps/cm/cm.yaml")).toContain("v: one");
    // isomorphic-git asks without credentials first and answers the 401 with the token, like git.
    expect(server.requests.some((r) => r.authorized)).toBe(true);

    const second = await repo.commit({ "apps/cm/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  v: two\n" });
    await source.fetch();
    expect(await source.resolve("main")).toBe(second);
    expect((await source.checkout("main")).readText("apps/cm/cm.yaml")).toContain("v: two");
  });

  it("renders a fleet from the URL, reusing the clone in the cache", async () => {
    const fleet = await renderFleet({ source: url, credentials: () => ({ username: "x-access-token", password: TOKEN }), allowInsecureHttp: true, cacheDir });
    expect(fleet.revision).toBe(await repo.head());
    expect(fleet.clusters[0].apps[0].objects[0]).toMatchObject({ kind: "ConfigMap", data: { v: "two" }, metadata: { namespace: "cm" } });
  });

  it("fails with GITOPS_GIT on a wrong token, without echoing it", async () => {
    const err = await openGitSource({ url, auth: { token: "wrong-token-value" }, allowInsecureHttp: true, cacheDir: join(cacheDir, "other") }).catch((e: unknown) => e);
    expect(isGitOpsError(err)).toBe(true);
    expect(err).toMatchObject({ code: "GITOPS_GIT" });
    expect((err as Error).message).toContain("clone");
    expect((err as Error).message).toMatch(/failed: authentication failed: the server rejected the credentials/);
    expect((err as Error).message).not.toContain("wrong-token-value");
    expect(server.requests.some((r) => !r.authorized)).toBe(true);
  });
});
