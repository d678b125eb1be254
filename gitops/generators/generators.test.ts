import { describe, expect, it } from "vitest";
import { memorySnapshot } from "../repo-snapshot.js";
import type { FleetCluster } from "../fleet-cluster.js";
import { generateParams } from "./generate-params.js";
import type { GeneratorContext } from "./generator-context.js";
import { isGitOpsError } from "../gitops-errors.js";

// Table tests for every generator and their combinations. Expected param sets are the ones
// Argo CD documents (docs/operator-manual/applicationset/Generators-*.md) and its generator tests
// (applicationset/generators/*_test.go) produce.

const clusters: FleetCluster[] = [
  {
    name: "staging",
    server: "https://staging.example.com",
    project: "",
    labels: { env: "staging", "argocd.argoproj.io/secret-type": "cluster" },
    annotations: { owner: "team-a" },
    values: {},
    declaredBy: "ArgoSecret",
  },
  {
    name: "Prod_EU",
    server: "https://prod-eu.example.com",
    project: "payments",
    labels: { env: "prod" },
    annotations: {},
    values: {},
    declaredBy: "Cluster",
  },
];

const repo = memorySnapshot({
  "apps/guestbook/deploy.yaml": "kind: Deployment",
  "apps/helm-guestbook/Chart.yaml": "name: x",
  "apps/.hidden/x.yaml": "a: 1",
  "apps/guestbook/nested/deep/x.yaml": "a: 1",
  "cluster-config/engineering/dev/config.json": '{"aws_account":"123456","asset_id":"11223344","cluster":{"owner":"cluster-admin@company.com","name":"engineering-dev","address":"http://1.2.3.4"}}',
  "cluster-config/engineering/prod/config.json": '{"aws_account":"123456","asset_id":"11223344","cluster":{"owner":"cluster-admin@company.com","name":"engineering-prod","address":"http://1.2.3.4"}}',
  "list/items.yaml": "- name: a\n  replicas: 2\n- name: b\n  replicas: 1234567\n",
});

function ctx(goTemplate: boolean): GeneratorContext {
  return {
    mode: { goTemplate, missingKey: "error" },
    clusters,
    repo: () => Promise.resolve(repo),
    file: "appset.yaml",
    appSetName: "test",
  };
}

async function params(spec: Record<string, unknown>, goTemplate: boolean): Promise<Record<string, unknown>[]> {
  const results = await generateParams(spec, ctx(goTemplate), "spec.generators[0]");
  return results.flatMap((r) => r.params);
}

async function failure(spec: Record<string, unknown>, goTemplate: boolean): Promise<{ code: string; message: string; field?: string | undefined }> {
  try {
    await params(spec, goTemplate);
  } catch (err) {
    if (isGitOpsError(err)) return { code: err.code, message: err.message, field: err.field };
    throw err;
  }
  throw new Error("expected an error");
}

describe("list generator", () => {
  it.each([
    {
      name: "goTemplate keeps elements as they are, nested values included",
      goTemplate: true,
      spec: { list: { elements: [{ cluster: "engineering-dev", url: "https://kubernetes.default.svc", values: { replicas: 2 } }] } },
      want: [{ cluster: "engineering-dev", url: "https://kubernetes.default.svc", values: { replicas: 2 } }],
    },
    {
      name: "fasttemplate flattens values.<key>",
      goTemplate: false,
      spec: { list: { elements: [{ cluster: "engineering-dev", values: { project: "default" } }] } },
      want: [{ cluster: "engineering-dev", "values.project": "default" }],
    },
    {
      name: "elementsYaml is appended after elements",
      goTemplate: true,
      spec: { list: { elements: [{ a: "1" }], elementsYaml: "- a: '2'\n- a: '3'\n" } },
      want: [{ a: "1" }, { a: "2" }, { a: "3" }],
    },
  ])("$name", async ({ spec, goTemplate, want }) => {
    expect(await params(spec, goTemplate)).toEqual(want);
  });

  it("fasttemplate rejects non-string values with the element's field", async () => {
    const err = await failure({ list: { elements: [{ replicas: 2 }] } }, false);
    expect(err.code).toBe("GITOPS_INVALID");
    expect(err.field).toBe("spec.generators[0].list.elements[0].replicas");
  });
});

describe("clusters generator", () => {
  it("goTemplate: name, nameNormalized, server, project, metadata maps, in name order", async () => {
    expect(await params({ clusters: {} }, true)).toEqual([
      { name: "Prod_EU", nameNormalized: "prod-eu", server: "https://prod-eu.example.com", project: "payments", metadata: { labels: { env: "prod" } } },
      {
        name: "staging",
        nameNormalized: "staging",
        server: "https://staging.example.com",
        project: "",
        metadata: { labels: { env: "staging", "argocd.argoproj.io/secret-type": "cluster" }, annotations: { owner: "team-a" } },
      },
    ]);
  });

  it("fasttemplate: metadata.labels.<k> and metadata.annotations.<k>", async () => {
    expect(await params({ clusters: { selector: { matchLabels: { env: "staging" } } } }, false)).toEqual([
      {
        name: "staging",
        nameNormalized: "staging",
        server: "https://staging.example.com",
        project: "",
        "metadata.labels.env": "staging",
        "metadata.labels.argocd.argoproj.io/secret-type": "cluster",
        "metadata.annotations.owner": "team-a",
      },
    ]);
  });

  it("values are templated with the cluster's own params", async () => {
    const got = await params({ clusters: { selector: { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] }, values: { revision: "{{.metadata.labels.env}}-branch", fixed: "x" } } }, true);
    expect(got).toHaveLength(1);
    expect(got[0]["values"]).toEqual({ revision: "prod-branch", fixed: "x" });
    const flat = await params({ clusters: { selector: { matchLabels: { env: "prod" } }, values: { revision: "{{metadata.labels.env}}-branch" } } }, false);
    expect(flat[0]["values.revision"]).toBe("prod-branch");
  });

  it("flatList yields one param set with all clusters", async () => {
    const got = await params({ clusters: { flatList: true } }, true);
    expect(got).toHaveLength(1);
    expect((got[0]["clusters"] as { name: string }[]).map((c) => c.name)).toEqual(["Prod_EU", "staging"]);
  });

  it("an unknown selector operator is an error on its field", async () => {
    const err = await failure({ clusters: { selector: { matchExpressions: [{ key: "env", operator: "Like", values: ["x"] }] } } }, true);
    expect(err).toMatchObject({ code: "GITOPS_INVALID", field: "spec.generators[0].clusters.selector.matchExpressions[0].operator" });
  });
});

describe("git directories generator", () => {
  it("goTemplate: path.path, basename, basenameNormalized, segments; hidden and excluded directories skipped", async () => {
    const got = await params({ git: { repoURL: ".", revision: "HEAD", directories: [{ path: "apps/*" }, { path: "apps/helm-guestbook", exclude: true }] } }, true);
    expect(got).toEqual([{ path: { path: "apps/guestbook", basename: "guestbook", basenameNormalized: "guestbook", segments: ["apps", "guestbook"] } }]);
  });

  it("fasttemplate: path, path.basename, path[n]; `*` does not cross directories", async () => {
    const got = await params({ git: { repoURL: ".", directories: [{ path: "apps/*" }] } }, false);
    expect(got).toEqual([
      { path: "apps/guestbook", "path.basename": "guestbook", "path.basenameNormalized": "guestbook", "path[0]": "apps", "path[1]": "guestbook" },
      { path: "apps/helm-guestbook", "path.basename": "helm-guestbook", "path.basenameNormalized": "helm-guestbook", "path[0]": "apps", "path[1]": "helm-guestbook" },
    ]);
  });

  it("pathParamPrefix nests the path params", async () => {
    const got = await params({ git: { repoURL: ".", pathParamPrefix: "app", directories: [{ path: "apps/guestbook" }] } }, true);
    expect(got).toEqual([{ app: { path: { path: "apps/guestbook", basename: "guestbook", basenameNormalized: "guestbook", segments: ["apps", "guestbook"] } } }]);
  });

  // Found by test/security/fuzz-application-set.test.ts: `directories: null` was a TypeError.
  it("a null or wrongly typed directories/files is a GITOPS_INVALID, not a crash", async () => {
    expect(await failure({ git: { repoURL: ".", directories: null } }, true)).toMatchObject({ code: "GITOPS_INVALID", message: "git generator needs directories or files" });
    expect(await failure({ git: { repoURL: ".", files: 7 } }, true)).toMatchObject({ code: "GITOPS_INVALID", field: "spec.generators[0].git.files" });
  });
});

describe("git files generator", () => {
  it("goTemplate: the file's object plus path params (the documented config.json example)", async () => {
    const got = await params({ git: { repoURL: ".", files: [{ path: "cluster-config/**/config.json" }] } }, true);
    expect(got).toHaveLength(2);
    expect(got[0]).toEqual({
      aws_account: "123456",
      asset_id: "11223344",
      cluster: { owner: "cluster-admin@company.com", name: "engineering-dev", address: "http://1.2.3.4" },
      path: {
        path: "cluster-config/engineering/dev",
        basename: "dev",
        filename: "config.json",
        basenameNormalized: "dev",
        filenameNormalized: "config.json",
        segments: ["cluster-config", "engineering", "dev"],
      },
    });
  });

  it("fasttemplate flattens to dotted strings (Go %v for numbers) and adds path[n]", async () => {
    const got = await params({ git: { repoURL: ".", files: [{ path: "cluster-config/engineering/prod/config.json" }] } }, false);
    expect(got).toEqual([
      {
        aws_account: "123456",
        asset_id: "11223344",
        "cluster.owner": "cluster-admin@company.com",
        "cluster.name": "engineering-prod",
        "cluster.address": "http://1.2.3.4",
        path: "cluster-config/engineering/prod",
        "path.basename": "prod",
        "path.filename": "config.json",
        "path.basenameNormalized": "prod",
        "path.filenameNormalized": "config.json",
        "path[0]": "cluster-config",
        "path[1]": "engineering",
        "path[2]": "prod",
      },
    ]);
    const list = await params({ git: { repoURL: ".", files: [{ path: "list/items.yaml" }] } }, false);
    expect(list.map((p) => [p["name"], p["replicas"]])).toEqual([
      ["a", "2"],
      ["b", "1.234567e+06"],
    ]);
  });

  it("exclude removes matching files", async () => {
    const got = await params({ git: { repoURL: ".", files: [{ path: "cluster-config/**/config.json" }, { path: "cluster-config/*/prod/*", exclude: true }] } }, true);
    expect(got.map((p) => (p["cluster"] as { name: string }).name)).toEqual(["engineering-dev"]);
  });
});

describe("matrix generator", () => {
  it("goTemplate: cartesian product, the second child templated with the first child's params", async () => {
    const got = await params(
      {
        matrix: {
          generators: [
            { clusters: { selector: { matchLabels: { env: "prod" } } } },
            { list: { elements: [{ app: "web", ns: "{{.nameNormalized}}-web" }, { app: "api", ns: "{{.nameNormalized}}-api" }] } },
          ],
        },
      },
      true,
    );
    expect(got.map((p) => [p["name"], p["app"], p["ns"]])).toEqual([
      ["Prod_EU", "web", "prod-eu-web"],
      ["Prod_EU", "api", "prod-eu-api"],
    ]);
  });

  it("goTemplate: a git generator whose path comes from the first child (Argo's documented pattern)", async () => {
    const got = await params(
      {
        matrix: {
          generators: [
            { list: { elements: [{ dir: "apps" }] } },
            { git: { repoURL: ".", directories: [{ path: "{{.dir}}/*" }] } },
          ],
        },
      },
      true,
    );
    expect(got.map((p) => (p["path"] as { basename: string }).basename)).toEqual(["guestbook", "helm-guestbook"]);
  });

  it("goTemplate merge is deep and the first child wins", async () => {
    const got = await params(
      { matrix: { generators: [{ list: { elements: [{ values: { a: "1" }, k: "first" }] } }, { list: { elements: [{ values: { b: "2" }, k: "second" }] } }] } },
      true,
    );
    expect(got).toEqual([{ values: { a: "1", b: "2" }, k: "first" }]);
  });

  it.each([
    { name: "one child", spec: { matrix: { generators: [{ list: { elements: [] } }] } }, message: "found less than two generators, Matrix support only two" },
    {
      name: "three children",
      spec: { matrix: { generators: [{ list: { elements: [] } }, { list: { elements: [] } }, { list: { elements: [] } }] } },
      message: "found more than two generators, Matrix support only two",
    },
    {
      name: "fasttemplate conflicting key",
      spec: { matrix: { generators: [{ list: { elements: [{ a: "1" }] } }, { list: { elements: [{ a: "2" }] } }] } },
      message: "found duplicate key a with different value, a: 1 ,b: 2",
    },
  ])("error: $name", async ({ spec, message }) => {
    const err = await failure(spec, false);
    expect(err.code).toBe("GITOPS_GENERATOR");
    expect(err.message).toBe(message);
  });
});

describe("merge generator", () => {
  it("goTemplate: later children override base sets with the same merge key (Argo's clusters+list example)", async () => {
    const got = await params(
      {
        merge: {
          mergeKeys: ["server"],
          generators: [
            { clusters: { values: { kafka: "true", redis: "false" } } },
            { clusters: { selector: { matchLabels: { env: "staging" } }, values: { kafka: "false" } } },
            { list: { elements: [{ server: "https://prod-eu.example.com", values: { redis: "true" } }] } },
          ],
        },
      },
      true,
    );
    expect(got.map((p) => [p["name"], p["values"]])).toEqual([
      ["Prod_EU", { kafka: "true", redis: "true" }],
      ["staging", { kafka: "false", redis: "false" }],
    ]);
  });

  it("fasttemplate: flat override with values.<k> keys", async () => {
    const got = await params(
      {
        merge: {
          mergeKeys: ["server"],
          generators: [{ clusters: { values: { redis: "false" } } }, { list: { elements: [{ server: "https://staging.example.com", "values.redis": "true" }] } }],
        },
      },
      false,
    );
    expect(got.map((p) => [p["name"], p["values.redis"]])).toEqual([
      ["Prod_EU", "false"],
      ["staging", "true"],
    ]);
  });

  it("param sets that are not unique by the merge keys are an error", async () => {
    const err = await failure({ merge: { mergeKeys: ["a"], generators: [{ list: { elements: [{ a: "1" }, { a: "1" }] } }, { list: { elements: [] } }] } }, true);
    expect(err.code).toBe("GITOPS_GENERATOR");
    expect(err.message).toContain('Duplicate key was {"a":"1"}');
  });

  it("no merge keys is an error", async () => {
    const err = await failure({ merge: { generators: [{ list: { elements: [] } }, { list: { elements: [] } }] } }, true);
    expect(err.message).toBe("no merge keys were specified, Merge requires at least one");
  });
});

describe("post-generation selector and unknown generators", () => {
  it("selector filters on the flattened params", async () => {
    const got = await params(
      { list: { elements: [{ cluster: "a", values: { tier: "gold" } }, { cluster: "b", values: { tier: "silver" } }] }, selector: { matchLabels: { "values.tier": "gold" } } },
      true,
    );
    expect(got).toEqual([{ cluster: "a", values: { tier: "gold" } }]);
  });

  it.each([
    { key: "scmProvider", message: "the Argo CD scmProvider generator is not supported by Flotilla" },
    { key: "pullRequest", message: "the Argo CD pullRequest generator is not supported by Flotilla" },
    { key: "listt", message: 'unknown generator "listt"' },
  ])("$key is GITOPS_UNKNOWN_GENERATOR with its field", async ({ key, message }) => {
    const err = await failure({ [key]: {} }, true);
    expect(err.code).toBe("GITOPS_UNKNOWN_GENERATOR");
    expect(err.message).toContain(message);
    expect(err.field).toBe(`spec.generators[0].${key}`);
  });
});
