import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeGitRepo, REPO_ROOT, type GitRepo } from "../harness/index.js";
import {
  applicationSetFromText,
  clustersFromFiles,
  generateApplications,
  isGitOpsError,
  openGitSource,
  type Application,
  type RepoResolver,
} from "../../gitops/index.js";

// The argo-cd `applicationset/examples/` that use supported generators, expanded against a real
// git repository holding the same tree, must give the Applications Argo CD documents for them.
const FIXTURES = join(REPO_ROOT, "test", "gitops", "fixtures", "argo-cd");
const ARGO_REPO = "https://github.com/argoproj/argo-cd.git";

// Argo's in-cluster plus one remote cluster, as Argo CD cluster Secrets (Flotilla has no implicit
// in-cluster entry, so it is declared).
const CLUSTER_SECRETS = `apiVersion: v1
kind: Secret
metadata:
  name: in-cluster
  labels:
    argocd.argoproj.io/secret-type: cluster
    environment: dev
stringData:
  name: in-cluster
  server: https://kubernetes.default.svc
---
apiVersion: v1
kind: Secret
metadata:
  name: prod
  labels:
    argocd.argoproj.io/secret-type: cluster
    environment: prod
    use-kafka: "false"
data:
  name: ${Buffer.from("prod").toString("base64")}
  server: ${Buffer.from("https://prod.example.com").toString("base64")}
`;

let repo: GitRepo;
let resolver: RepoResolver;
const clusters = clustersFromFiles([{ path: "clusters.yaml", text: CLUSTER_SECRETS }]);

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out[relative(FIXTURES, full)] = await readFile(full, "utf8");
  }
  return out;
}

beforeAll(async () => {
  repo = await makeGitRepo(await tree(join(FIXTURES, "applicationset")));
  const source = await openGitSource({ url: repo.dir });
  resolver = (url, revision) => {
    if (url !== ARGO_REPO) throw new Error(`unexpected repository ${url}`);
    return source.checkout(revision);
  };
});

afterAll(async () => {
  await repo.remove();
});

async function expand(example: string): Promise<Application[]> {
  const file = join(FIXTURES, "applicationset", "examples", example);
  const appSet = applicationSetFromText(await readFile(file, "utf8"), example);
  return generateApplications(appSet, { clusters, repo: resolver, file: example });
}

interface Summary {
  name: string;
  project: unknown;
  path: unknown;
  server: unknown;
  namespace: unknown;
}

function summary(apps: Application[]): Summary[] {
  return apps.map((app) => {
    const source = app.spec["source"] as Record<string, unknown>;
    const destination = app.spec["destination"] as Record<string, unknown>;
    return { name: app.metadata.name, project: app.spec["project"], path: source["path"], server: destination["server"], namespace: destination["namespace"] };
  });
}

const DIRS = "applicationset/examples/git-generator-directory/cluster-addons";
const MATRIX_DIRS = "applicationset/examples/matrix/cluster-addons";

describe("argo-cd applicationset/examples expand as Argo CD documents them", () => {
  it.each(["list-generator/list-example.yaml", "list-generator/list-example-fasttemplate.yaml"])("%s", async (example) => {
    expect(summary(await expand(example))).toEqual([
      { name: "engineering-dev-guestbook", project: "default", path: "applicationset/examples/list-generator/guestbook/engineering-dev", server: "https://kubernetes.default.svc", namespace: "guestbook" },
      { name: "engineering-prod-guestbook", project: "default", path: "applicationset/examples/list-generator/guestbook/engineering-prod", server: "https://kubernetes.default.svc", namespace: "guestbook" },
    ]);
  });

  it.each(["cluster/cluster-example.yaml", "cluster/cluster-example-fasttemplate.yaml"])("%s", async (example) => {
    expect(summary(await expand(example)).map((a) => [a.name, a.server])).toEqual([
      ["in-cluster-guestbook", "https://kubernetes.default.svc"],
      ["prod-guestbook", "https://prod.example.com"],
    ]);
  });

  it.each(["git-generator-directory/git-directories-example.yaml", "git-generator-directory/git-directories-example-fasttemplate.yaml"])("%s", async (example) => {
    const apps = await expand(example);
    expect(summary(apps)).toEqual([
      { name: "argo-workflows", project: "my-project", path: `${DIRS}/argo-workflows`, server: "https://kubernetes.default.svc", namespace: "argo-workflows" },
      { name: "prometheus-operator", project: "my-project", path: `${DIRS}/prometheus-operator`, server: "https://kubernetes.default.svc", namespace: "prometheus-operator" },
    ]);
    expect(apps[0].spec["syncPolicy"]).toEqual({ syncOptions: ["CreateNamespace=true"] });
    expect(apps[0].metadata.namespace).toBe("argocd");
    expect(apps[0].metadata.finalizers).toEqual(["resources-finalizer.argocd.argoproj.io"]);
  });

  it("git-generator-directory/excludes/git-directories-exclude-example-fasttemplate.yaml", async () => {
    expect(summary(await expand("git-generator-directory/excludes/git-directories-exclude-example-fasttemplate.yaml")).map((a) => [a.name, a.path])).toEqual([
      ["argo-workflows", "applicationset/examples/git-generator-directory/excludes/cluster-addons/argo-workflows"],
      ["prometheus-operator", "applicationset/examples/git-generator-directory/excludes/cluster-addons/prometheus-operator"],
    ]);
  });

  it.each(["git-generator-files-discovery/git-generator-files.yaml", "git-generator-files-discovery/git-generator-files-fasttemplate.yaml"])("%s", async (example) => {
    expect(summary(await expand(example)).map((a) => [a.name, a.path])).toEqual([
      ["engineering-dev-guestbook", "applicationset/examples/git-generator-files-discovery/apps/guestbook"],
      ["engineering-prod-guestbook", "applicationset/examples/git-generator-files-discovery/apps/guestbook"],
    ]);
  });

  it.each(["matrix/list-and-git.yaml", "matrix/list-and-git-fasttemplate.yaml"])("%s", async (example) => {
    expect(summary(await expand(example))).toEqual([
      { name: "argo-workflows-engineering-dev", project: "dev", path: `${MATRIX_DIRS}/argo-workflows`, server: "https://1.2.3.4", namespace: "argo-workflows" },
      { name: "argo-workflows-engineering-prod", project: "prod", path: `${MATRIX_DIRS}/argo-workflows`, server: "https://2.4.6.8", namespace: "argo-workflows" },
      { name: "prometheus-operator-engineering-dev", project: "dev", path: `${MATRIX_DIRS}/prometheus-operator`, server: "https://1.2.3.4", namespace: "prometheus-operator" },
      { name: "prometheus-operator-engineering-prod", project: "prod", path: `${MATRIX_DIRS}/prometheus-operator`, server: "https://2.4.6.8", namespace: "prometheus-operator" },
    ]);
  });

  it.each(["matrix/cluster-and-git.yaml", "matrix/cluster-and-git-fasttemplate.yaml"])("%s", async (example) => {
    expect(summary(await expand(example)).map((a) => [a.name, a.project, a.server])).toEqual([
      ["argo-workflows-in-cluster", "dev", "https://kubernetes.default.svc"],
      ["argo-workflows-prod", "prod", "https://prod.example.com"],
      ["prometheus-operator-in-cluster", "dev", "https://kubernetes.default.svc"],
      ["prometheus-operator-prod", "prod", "https://prod.example.com"],
    ]);
  });

  it("matrix/list-and-list.yaml fails like Argo: its template reads .path, which no child provides (missingkey=error)", async () => {
    const err = await expand("matrix/list-and-list.yaml").catch((e: unknown) => e);
    expect(isGitOpsError(err)).toBe(true);
    expect(err).toMatchObject({ code: "GITOPS_TEMPLATE", field: "spec.template.spec.source.path" });
    expect((err as Error).message).toContain("path");
  });

  it("matrix/list-and-list-fasttemplate.yaml leaves the unresolved {{path}} as Argo's fasttemplate does", async () => {
    const apps = summary(await expand("matrix/list-and-list-fasttemplate.yaml"));
    expect(apps.map((a) => [a.name, a.project, a.path])).toEqual([
      ["engineering-dev-1", "default", "{{path}}"],
      ["engineering-dev-2", "default", "{{path}}"],
      ["engineering-prod-1", "default", "{{path}}"],
      ["engineering-prod-2", "default", "{{path}}"],
    ]);
  });

  it.each(["matrix/matrix-and-union-in-matrix.yaml", "matrix/matrix-and-union-in-matrix-fasttemplate.yaml"])("%s: 2 merged clusters × 4 = 8 apps", async (example) => {
    const names = summary(await expand(example)).map((a) => a.name);
    expect(names).toEqual([
      "first-engineering-dev-1",
      "second-engineering-dev-1",
      "first-engineering-dev-2",
      "second-engineering-dev-2",
      "first-engineering-prod-1",
      "second-engineering-prod-1",
      "first-engineering-prod-2",
      "second-engineering-prod-2",
    ]);
  });

  it.each([
    { example: "merge/merge-clusters-and-list.yaml" },
    { example: "merge/merge-clusters-and-list-fasttemplate.yaml" },
  ])("$example: Kafka off where use-kafka=false, Redis unchanged", async ({ example }) => {
    const apps = await expand(example);
    const helm = apps.map((a) => [a.metadata.name, ((a.spec["source"] as { helm: { parameters: { name: string; value: string }[] } }).helm.parameters).map((p) => `${p.name}=${p.value}`)]);
    expect(helm).toEqual([
      ["in-cluster", ["kafka=true", "redis=false"]],
      ["prod", ["kafka=false", "redis=false"]],
    ]);
  });

  it("merge/merge-two-matrixes-fasttemplate.yaml: the list overrides values.replicaCount for in-cluster staging", async () => {
    const apps = await expand("merge/merge-two-matrixes-fasttemplate.yaml");
    const replicas = apps.map((a) => [a.metadata.name, (a.spec["source"] as { helm: { parameters: { value: string }[] } }).helm.parameters[0].value]);
    expect(replicas).toEqual([
      ["in-cluster-guestbook-staging", "1"],
      ["in-cluster-guestbook-prod", "2"],
      ["prod-guestbook-staging", "2"],
      ["prod-guestbook-prod", "2"],
    ]);
  });

  it("merge/merge-two-matrixes.yaml (goTemplate): a literal `values.replicaCount` key does not reach .values.replicaCount", async () => {
    const apps = await expand("merge/merge-two-matrixes.yaml");
    expect(apps.map((a) => [a.metadata.name, (a.spec["destination"] as { namespace: string }).namespace, (a.spec["source"] as { helm: { parameters: { value: string }[] } }).helm.parameters[0].value])).toEqual([
      ["in-cluster-guestbook-staging", "guestbook-non-prod", "2"],
      ["in-cluster-guestbook-prod", "guestbook", "2"],
      ["prod-guestbook-staging", "guestbook-non-prod", "2"],
      ["prod-guestbook-prod", "guestbook", "2"],
    ]);
  });

  it.each(["template-override/template-overrides-example.yaml", "template-override/template-overrides-example-fasttemplate.yaml"])("%s: the generator's template wins", async (example) => {
    expect(summary(await expand(example))).toEqual([
      {
        name: "engineering-dev-guestbook",
        project: "default",
        path: "applicationset/examples/template-override/engineering-dev-override",
        server: "https://kubernetes.default.svc",
        namespace: "guestbook",
      },
    ]);
  });
});
