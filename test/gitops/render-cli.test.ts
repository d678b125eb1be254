import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath, makeGitRepo, REPO_ROOT, runFlotilla, type GitRepo } from "../harness/index.js";

// `flotilla render` and `flotilla appset generate` as a user runs them: the built CLI, real git
// repositories, the real kubectl for kustomize.

interface RenderedApp {
  name: string;
  appSet: string;
  namespace: string;
  digest: string;
  objects: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown }[];
  error?: { code: string; message: string; file?: string; field?: string };
}
interface RenderedFleet {
  revision: string;
  clusters: { name: string; digest: string; apps: RenderedApp[] }[];
  errors: { code: string; message: string; file?: string; field?: string; appSet?: string }[];
}

function app(fleet: RenderedFleet, cluster: string, name: string): RenderedApp {
  const found = fleet.clusters.find((c) => c.name === cluster)?.apps.find((a) => a.name === name);
  if (found === undefined) throw new Error(`no app ${name} in cluster ${cluster}`);
  return found;
}

function objectOf(a: RenderedApp, kind: string): RenderedApp["objects"][number] {
  const found = a.objects.find((o) => o.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} in ${a.name}`);
  return found;
}

describe("flotilla render examples/fleet", () => {
  let fleet: RenderedFleet;
  let stdout: string;

  beforeAll(async () => {
    const result = await runFlotilla(["render", "examples/fleet", "-o", "json"], { cwd: REPO_ROOT });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    stdout = result.stdout;
    fleet = JSON.parse(result.stdout) as RenderedFleet;
  });

  it("renders every cluster (3 Clusters and an Argo CD cluster Secret) with its apps", () => {
    expect(fleet.errors).toEqual([]);
    expect(fleet.clusters.map((c) => [c.name, c.apps.map((a) => a.name)])).toEqual([
      ["dev", ["web-dev"]],
      ["prod-eu", ["payments-prod-eu", "prod-eu-metrics-server", "prod-eu-node-exporter", "web-prod-eu"]],
      ["prod-us", ["payments-prod-us", "prod-us-metrics-server", "prod-us-node-exporter", "web-prod-us"]],
      ["staging", ["web-staging"]],
    ]);
  });

  it("builds the kustomize overlays with kubectl", () => {
    const prod = objectOf(app(fleet, "prod-eu", "web-prod-eu"), "Deployment") as unknown as { metadata: { namespace: string; labels: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } };
    expect(prod.spec.replicas).toBe(3);
    expect(prod.spec.template.spec.containers[0].image).toBe("nginx:1.27.2");
    expect(prod.metadata.labels["app.kubernetes.io/name"]).toBe("web");
    expect(prod.metadata.namespace).toBe("web");
    expect(objectOf(app(fleet, "staging", "web-staging"), "Deployment").metadata.name).toBe("web-staging");
    expect(objectOf(app(fleet, "dev", "web-dev"), "Deployment").metadata.name).toBe("web");
  });

  it("passes the SealedSecret and the SOPS Secret through exactly as committed, still encrypted", async () => {
    const payments = app(fleet, "prod-us", "payments-prod-us");
    const sealed = parseYaml(await readFile(fixturePath("sealed-secrets", "strict.sealedsecret.yaml"), "utf8")) as unknown;
    const sops = parseYaml(await readFile(join(REPO_ROOT, "examples", "fleet", "apps", "payments", "sops-secret.yaml"), "utf8")) as unknown;
    expect(objectOf(payments, "SealedSecret")).toEqual(sealed);
    const secret = objectOf(payments, "Secret") as unknown as { metadata: Record<string, unknown>; stringData: { key: string }; sops: { mac: string } };
    expect(secret).toEqual(sops);
    expect(secret.stringData.key).toMatch(/^ENC\[AES256_GCM,data:/);
    expect(secret.metadata).toEqual({ name: "age" }); // no namespace added: the SOPS MAC covers every value
    expect(objectOf(payments, "Deployment").metadata.namespace).toBe("myns");
  });

  it("never contains a plaintext of the sealed secret", async () => {
    const expected = JSON.parse(await readFile(fixturePath("sealed-secrets", "expected.json"), "utf8")) as {
      sealedSecrets: Record<string, { expectedSecret: { data: Record<string, string> } }>;
    };
    const data = expected.sealedSecrets["strict.sealedsecret.yaml"].expectedSecret.data;
    for (const key of ["username", "password"]) {
      const plaintext = Buffer.from(data[key], "base64").toString("utf8");
      expect(plaintext.length).toBeGreaterThan(3);
      expect(stdout).not.toContain(plaintext);
    }
  });

  it("gives the same digests on every run, and a YAML view of the same objects", async () => {
    const again = await runFlotilla(["render", "examples/fleet", "-o", "json"], { cwd: REPO_ROOT });
    const second = JSON.parse(again.stdout) as RenderedFleet;
    expect(second.clusters.map((c) => c.digest)).toEqual(fleet.clusters.map((c) => c.digest));
    expect(fleet.clusters[0].digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const yaml = await runFlotilla(["render", "examples/fleet", "--cluster", "prod-eu", "--app", "payments-prod-eu"], { cwd: REPO_ROOT });
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain("# cluster: prod-eu  app: payments-prod-eu");
    expect(yaml.stdout).toContain("kind: SealedSecret");
    expect(yaml.stdout).not.toContain("web-prod-eu");
  });

  it("says plainly when neither kubectl nor kustomize is installed, and renders everything else", async () => {
    const empty = await mkdtemp(join(tmpdir(), "flotilla-nopath-"));
    try {
      const result = await runFlotilla(["render", "examples/fleet", "-o", "json"], { cwd: REPO_ROOT, env: { PATH: empty } });
      expect(result.code).toBe(1);
      const out = JSON.parse(result.stdout) as RenderedFleet;
      expect(app(out, "prod-eu", "web-prod-eu").error).toMatchObject({ code: "GITOPS_KUSTOMIZE", file: "apps/web/overlays/prod/kustomization.yaml" });
      expect(app(out, "prod-eu", "web-prod-eu").error!.message).toContain("neither `kubectl` nor `kustomize` is on PATH");
      expect(app(out, "prod-eu", "payments-prod-eu").objects).toHaveLength(3);
      expect(result.stderr).toContain("error[GITOPS_KUSTOMIZE]: apps/web/overlays/prod/kustomization.yaml:");
      expect(result.stderr).not.toContain("    at ");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

const cluster = (name: string, labels: Record<string, string>): string =>
  `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${name}\n  labels:\n${Object.entries(labels).map(([k, v]) => `    ${k}: ${v}\n`).join("")}`;

const appSet = (name: string, path: string, extra = ""): string => `apiVersion: flotilla.dev/v1alpha1
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
      project: default
      source:
        repoURL: .
        targetRevision: HEAD
        path: ${path}
      destination:
        name: '{{.name}}'
        namespace: ${name}
${extra}`;

const configMap = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

describe("flotilla render on a git repository", () => {
  let repo: GitRepo;
  let first: string;
  let second: string;

  beforeAll(async () => {
    repo = await makeGitRepo({
      "clusters/all.yaml": `${cluster("alpha", { env: "prod" })}---\n${cluster("beta", { env: "dev" })}`,
      "appsets/cfg.yaml": appSet("cfg", "apps/cfg"),
      "apps/cfg/cm.yaml": configMap("cfg", "one"),
    });
    first = await repo.head();
    await repo.tag("v1");
    second = await repo.commit({ "apps/cfg/cm.yaml": configMap("cfg", "two") }, "bump");
  });

  afterAll(async () => {
    await repo.remove();
  });

  async function render(...args: string[]): Promise<RenderedFleet> {
    const result = await runFlotilla(["render", repo.dir, "-o", "json", ...args]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as RenderedFleet;
  }

  const value = (f: RenderedFleet, c: string): unknown => (app(f, c, `cfg-${c}`).objects[0] as unknown as { data: { value: string } }).data.value;

  it("renders HEAD, a tag, a branch and an abbreviated commit, reporting the commit oid", async () => {
    const head = await render("--revision", "HEAD");
    expect(head.revision).toBe(second);
    expect(value(head, "alpha")).toBe("two");
    const tagged = await render("--revision", "v1");
    expect(tagged.revision).toBe(first);
    expect(value(tagged, "beta")).toBe("one");
    expect((await render("--revision", "main")).revision).toBe(second);
    expect((await render("--revision", first.slice(0, 10))).revision).toBe(first);
    expect(app(tagged, "alpha", "cfg-alpha").digest).not.toBe(app(head, "alpha", "cfg-alpha").digest);
  });

  it("renders the working tree by default, so an uncommitted typo fails before it is committed", async () => {
    await writeFile(join(repo.dir, "appsets/cfg.yaml"), appSet("cfg", "apps/cfg").replace("'cfg-{{.name}}'", "'cfg-{{.nmae}}'"));
    try {
      const local = await runFlotilla(["render", repo.dir, "--cluster", "alpha"]);
      expect(local.code).toBe(1);
      expect(local.stderr).toContain("error[GITOPS_TEMPLATE]");
      expect(local.stderr).toContain("nmae");
      expect((await render("--revision", "HEAD")).revision).toBe(second);
    } finally {
      await writeFile(join(repo.dir, "appsets/cfg.yaml"), appSet("cfg", "apps/cfg"));
    }
    expect((await render()).revision).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("filters by cluster and app", async () => {
    const only = await render("--cluster", "beta");
    expect(only.clusters.map((c) => c.name)).toEqual(["beta"]);
    const none = await render("--app", "nothing-like-this");
    expect(none.clusters.map((c) => c.apps.length)).toEqual([0, 0]);
  });

  it("rejects an unknown revision and an unknown cluster with a clear error", async () => {
    const bad = await runFlotilla(["render", repo.dir, "--revision", "no-such-branch"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error[GITOPS_REVISION]: targetRevision: revision "no-such-branch" is not a branch, tag or commit');
    const missing = await runFlotilla(["render", repo.dir, "--cluster", "gamma"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error[GITOPS_NOT_FOUND]: --cluster: no cluster named "gamma"');
  });
});

describe("bad input is reported precisely and never blocks the rest of the fleet", () => {
  let repo: GitRepo;
  let result: { code: number; stdout: string; stderr: string };
  let fleet: RenderedFleet;

  beforeAll(async () => {
    const huge = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  blob: "${"x".repeat(5 * 1024 * 1024)}"\n`;
    repo = await makeGitRepo({
      "clusters/a.yaml": cluster("a", { env: "prod", team: "payments" }),
      "clusters/b.yaml": cluster("b", { env: "prod" }),
      "clusters/c.yaml": cluster("c", { env: "dev", team: "web" }),
      "appsets/good.yaml": appSet("good", "apps/good"),
      "apps/good/cm.yaml": configMap("good", "ok"),
      // Only clusters a and c have a `team` label: missingkey=error fails b's app alone.
      "appsets/team.yaml": appSet("team", "apps/good").replace("namespace: team", "namespace: 'team-{{.metadata.labels.team}}'"),
      "appsets/broken.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: broken\nspec:\n  generators: [\n  - list: {}\n",
      "appsets/unknown.yaml": `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: unknown
spec:
  generators:
  - scmProvider:
      github:
        organization: example
  template:
    metadata:
      name: x
    spec:
      source: {repoURL: ., path: apps/good}
      destination: {name: a}
`,
      "appsets/escape.yaml": appSet("escape", "apps/../../etc"),
      "appsets/huge.yaml": appSet("huge", "apps/huge"),
      "apps/huge/cm.yaml": huge,
      "appsets/kbad.yaml": appSet("kbad", "apps/kbad"),
      "apps/kbad/kustomization.yaml": "resources:\n- missing.yaml\n",
    });
    result = await runFlotilla(["render", repo.dir, "-o", "json"]);
    fleet = JSON.parse(result.stdout) as RenderedFleet;
  });

  afterAll(async () => {
    await repo.remove();
  });

  it("exits 1 but prints every cluster, with the good apps rendered", () => {
    expect(result.code).toBe(1);
    for (const name of ["a", "b", "c"]) expect(app(fleet, name, `good-${name}`).objects[0].metadata).toEqual({ name: "good", namespace: "good" });
    expect(app(fleet, "a", "team-a").objects[0].metadata.namespace).toBe("team-payments");
    expect(app(fleet, "c", "team-c").error).toBeUndefined();
  });

  it("malformed YAML: the file and the line", () => {
    const err = fleet.errors.find((e) => e.file === "appsets/broken.yaml");
    expect(err).toMatchObject({ code: "GITOPS_PARSE", field: expect.stringMatching(/^line \d+$/) as unknown });
    expect(result.stderr).toMatch(/error\[GITOPS_PARSE\]: appsets\/broken\.yaml: line \d+: .*at line \d+, column \d+/);
  });

  it("unknown generator: the ApplicationSet and the field", () => {
    expect(fleet.errors.find((e) => e.appSet === "unknown")).toEqual({
      code: "GITOPS_UNKNOWN_GENERATOR",
      message: "the Argo CD scmProvider generator is not supported by Flotilla (supported: list, clusters, git, matrix, merge)",
      file: "appsets/unknown.yaml",
      field: "spec.generators[0].scmProvider",
      appSet: "unknown",
    });
  });

  it("template error: only that cluster's app fails, with the file and field", () => {
    const failed = app(fleet, "b", "team#2");
    expect(failed.objects).toEqual([]);
    expect(failed.error).toMatchObject({ code: "GITOPS_TEMPLATE", file: "appsets/team.yaml", field: "spec.template.spec.destination.namespace" });
    expect(failed.error!.message).toContain("team");
    expect(result.stderr).toContain("error[GITOPS_TEMPLATE]: appsets/team.yaml: spec.template.spec.destination.namespace:");
  });

  it("a path escaping the repository and a huge file fail only their apps", () => {
    for (const c of ["a", "b", "c"]) {
      expect(app(fleet, c, `escape-${c}`).error).toMatchObject({ code: "GITOPS_PATH_ESCAPE", file: "appsets/escape.yaml", field: "spec.source.path" });
      expect(app(fleet, c, `huge-${c}`).error).toMatchObject({ code: "GITOPS_TOO_LARGE", file: "apps/huge/cm.yaml" });
    }
    expect(result.stderr).toContain('error[GITOPS_PATH_ESCAPE]: appsets/escape.yaml: spec.source.path: path "apps/../../etc" escapes the repository (cluster a, app escape-a)');
    expect(result.stderr).toMatch(/error\[GITOPS_TOO_LARGE\]: apps\/huge\/cm\.yaml: spec\.source\.path: file is \d+ bytes, over the limit of 4194304 bytes \(cluster b, app huge-b\)/);
    expect(result.stderr).not.toContain("xxxxxxxx");
    expect(result.stderr).not.toContain("    at ");
  });

  it("a kustomize build failure fails only that app, with kustomize's reason", () => {
    const failed = app(fleet, "c", "kbad-c");
    expect(failed.error).toMatchObject({ code: "GITOPS_KUSTOMIZE", file: "apps/kbad/kustomization.yaml" });
    expect(failed.error!.message).toContain("missing.yaml");
    expect(failed.error!.message).not.toContain(tmpdir());
  });

  it("a symlink pointing outside a plain directory is refused", async () => {
    const dir = await mkdtemp(join(tmpdir(), "flotilla-fleet-"));
    try {
      await mkdir(join(dir, "clusters"), { recursive: true });
      await mkdir(join(dir, "apps", "leak"), { recursive: true });
      await mkdir(join(dir, "appsets"), { recursive: true });
      await writeFile(join(dir, "clusters", "a.yaml"), cluster("a", { env: "prod" }));
      await writeFile(join(dir, "appsets", "leak.yaml"), appSet("leak", "apps/leak"));
      await symlink("/etc/hostname", join(dir, "apps", "leak", "host.yaml"));
      await symlink("../../../../../../etc/passwd", join(dir, "apps", "leak", "passwd.yaml"));
      const out = await runFlotilla(["render", dir, "-o", "json"]);
      expect(out.code).toBe(1);
      const leak = app(JSON.parse(out.stdout) as RenderedFleet, "a", "leak-a");
      expect(leak.error).toMatchObject({ code: "GITOPS_PATH_ESCAPE" });
      expect(out.stdout).not.toContain("root:");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("flotilla appset generate", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "flotilla-appset-"));
    await mkdir(join(dir, "clusters"));
    await writeFile(join(dir, "clusters", "prod.yaml"), cluster("prod-1", { env: "prod" }));
    await writeFile(
      join(dir, "clusters", "argo.yaml"),
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: c\n  labels:\n    argocd.argoproj.io/secret-type: cluster\n    env: prod\nstringData:\n  name: argo-prod\n  server: https://argo-prod.example.com\n  config: '{\"bearerToken\":\"do-not-print-me\"}'\n",
    );
    await writeFile(
      join(dir, "appset.yaml"),
      `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
  namespace: argocd
spec:
  generators:
  - clusters:
      selector:
        matchLabels:
          env: prod
  template:
    metadata:
      name: '{{name}}-guestbook'
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argocd-example-apps/
        targetRevision: HEAD
        path: guestbook
      destination:
        server: '{{server}}'
        namespace: guestbook
`,
    );
    await writeFile(join(dir, "bad-template.yaml"), appSet("bad", "apps/x").replace("'bad-{{.name}}'", "'{{.name | nosuchfunc}}'"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("expands an unchanged Argo CD ApplicationSet over Clusters and Argo cluster Secrets (-o json: a List)", async () => {
    const result = await runFlotilla(["appset", "generate", "appset.yaml", "--clusters", "clusters", "-o", "json"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { kind: string; items: { metadata: { name: string; namespace: string }; spec: { destination: { server: string } } }[] };
    expect(list.kind).toBe("List");
    expect(list.items.map((i) => [i.metadata.name, i.metadata.namespace, i.spec.destination.server])).toEqual([
      ["argo-prod-guestbook", "argocd", "https://argo-prod.example.com"],
      ["prod-1-guestbook", "argocd", "flotilla://prod-1"],
    ]);
    expect(result.stdout).not.toContain("do-not-print-me");
    const yaml = await runFlotilla(["appset", "generate", "appset.yaml", "--clusters", "clusters"], { cwd: dir });
    expect(yaml.stdout).toContain("name: argo-prod-guestbook");
  });

  it("a template that does not parse is a clear error with the file and field", async () => {
    const result = await runFlotilla(["appset", "generate", "bad-template.yaml", "--clusters", "clusters"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error[GITOPS_TEMPLATE]: bad-template.yaml: spec.template.metadata.name:");
    expect(result.stderr).toContain("nosuchfunc");
  });
});

describe("flotilla render and appset generate with a Helm chart app", () => {
  let repo: GitRepo;
  beforeAll(async () => {
    repo = await makeGitRepo({
      "clusters/a.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: a\n  labels: {tier: gold}\n",
      "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
      "charts/web/values.yaml": "tier: none\n",
      "charts/web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  tier: {{ .Values.tier }}\n",
      "appsets/web.yaml":
        "apiVersion: flotilla.dev/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: web\nspec:\n  goTemplate: true\n  generators:\n  - clusters: {}\n  template:\n    metadata:\n      name: 'web-{{.name}}'\n    spec:\n      source:\n        repoURL: .\n        path: charts/web\n        helm:\n          valuesObject: {tier: '{{.metadata.labels.tier}}'}\n      destination: {name: '{{.name}}', namespace: web}\n",
    });
  });
  afterAll(() => repo.remove());

  it("shows the chart's objects with the cluster's values, and the generated Application", async () => {
    const rendered = await runFlotilla(["render", repo.dir, "-o", "json"]);
    expect(rendered.stderr).toBe("");
    const fleet = JSON.parse(rendered.stdout) as RenderedFleet;
    const cm = objectOf(app(fleet, "a", "web-a"), "ConfigMap");
    expect(cm).toMatchObject({ metadata: { name: "web-a", namespace: "web" }, data: { tier: "gold" } });
    const generated = await runFlotilla(["appset", "generate", join(repo.dir, "appsets/web.yaml"), "--clusters", join(repo.dir, "clusters")]);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain("path: charts/web");
  });
});
