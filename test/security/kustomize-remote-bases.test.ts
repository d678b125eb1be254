import * as fs from "node:fs";
import { symlink } from "node:fs/promises";
import { basename, join } from "node:path";
import git from "isomorphic-git";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeGitRepo, runFlotilla, type CliResult, type GitRepo } from "../harness/index.js";

// Attack: a Git writer of the fleet repository adds a kustomization that reads another repository
// on the hub's disk (a `file://` remote base, `git::file://`, `../` out of the temporary tree
// kustomize runs in, an absolute path, a symlink, a generator file) or fetches a remote base.
// The real `flotilla render` (the hub's render path, with the real kubectl) must render none of
// it, answer each with a code naming the kustomization and field, and never print the marker.

const MARKER = "kustomize-marker-secret-c0ffee42";

let other: GitRepo; // another private repository on the hub's disk (like one in its clone cache)
let fleet: GitRepo;

const appSet = (name: string): string => `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - cluster: c1
  template:
    metadata:
      name: '${name}'
    spec:
      source: {repoURL: '.', path: 'apps/${name}', targetRevision: HEAD}
      destination: {name: '{{.cluster}}', namespace: ${name}}
`;

interface Rendered {
  clusters: { name: string; apps: { name: string; objects: { kind: string; metadata: { name: string } }[]; error?: { code: string; message: string; file?: string; field?: string } }[] }[];
}

const ATTACKS: Record<string, { kustomization: (otherDir: string) => string; code: string; field: string; file?: string }> = {
  "file-url": { kustomization: (o) => `resources:\n- file://${o}//app?ref=main\n`, code: "GITOPS_KUSTOMIZE_REMOTE", field: "resources[0]" },
  "git-file": { kustomization: (o) => `resources:\n- git::file://${o}//app\n`, code: "GITOPS_KUSTOMIZE_REMOTE", field: "resources[0]" },
  // The kustomize tree is materialised in the temporary directory, beside the other repository.
  dotdot: { kustomization: (o) => `resources:\n- ../../../${basename(o)}/app\n`, code: "GITOPS_PATH_ESCAPE", field: "resources[0]" },
  absolute: { kustomization: (o) => `resources:\n- ${o}/app\n`, code: "GITOPS_PATH_ESCAPE", field: "resources[0]" },
  symlink: { kustomization: () => "resources:\n- link\n", code: "GITOPS_PATH_ESCAPE", field: "resources[0]" },
  "generator-file": { kustomization: (o) => `configMapGenerator:\n- name: stolen\n  files:\n  - ../../../${basename(o)}/app/secret.yaml\n`, code: "GITOPS_PATH_ESCAPE", field: "configMapGenerator[0].files[0]" },
  "generator-env": { kustomization: () => "secretGenerator:\n- name: stolen\n  envs:\n  - /proc/self/environ\n", code: "GITOPS_PATH_ESCAPE", field: "secretGenerator[0].envs[0]" },
  "remote-component": { kustomization: () => "components:\n- https://github.com/kubernetes-sigs/kustomize//examples/components?ref=master\n", code: "GITOPS_KUSTOMIZE_REMOTE", field: "components[0]" },
  shorthand: { kustomization: () => "resources:\n- github.com/kubernetes-sigs/kustomize/examples/helloWorld\n", code: "GITOPS_KUSTOMIZE_REMOTE", field: "resources[0]" },
  "via-base": { kustomization: () => "resources:\n- ../via-base-inner\n", code: "GITOPS_KUSTOMIZE_REMOTE", field: "resources[0]", file: "apps/via-base-inner/kustomization.yaml" },
};

beforeAll(async () => {
  other = await makeGitRepo({
    "app/kustomization.yaml": "resources:\n- secret.yaml\n",
    "app/secret.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\ndata:\n  marker: ${MARKER}\n`,
  });
  const files: Record<string, string> = {
    "clusters/c1.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: c1\nspec:\n  server: https://c1.example.com\n",
    "appsets/fine.yaml": appSet("fine"),
    "apps/fine/kustomization.yaml": "resources:\n- cm.yaml\n",
    "apps/fine/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\ndata:\n  ok: 'yes'\n",
    "apps/via-base-inner/kustomization.yaml": `resources:\n- file://${other.dir}//app\n`,
  };
  for (const [name, attack] of Object.entries(ATTACKS)) {
    files[`appsets/${name}.yaml`] = appSet(name);
    files[`apps/${name}/kustomization.yaml`] = attack.kustomization(other.dir);
  }
  fleet = await makeGitRepo(files);
  await symlink(join(other.dir, "app"), join(fleet.dir, "apps", "symlink", "link"));
  await git.add({ fs, dir: fleet.dir, filepath: "apps/symlink/link" });
  await fleet.commit({}, "a symlink to another repository");
}, 60_000);

afterAll(async () => {
  await fleet?.remove();
  await other?.remove();
});

describe("kustomize reads nothing outside the app's repository snapshot", () => {
  let result: CliResult;
  let rendered: Rendered;

  beforeAll(async () => {
    result = await runFlotilla(["render", fleet.dir, "-o", "json"], { env: { FLOTILLA_GIT_TOKEN: "" } });
    rendered = JSON.parse(result.stdout) as Rendered;
  }, 120_000);

  const appOf = (name: string) => rendered.clusters[0].apps.find((a) => a.name === name);

  it("still renders the honest kustomization", () => {
    expect(appOf("fine")?.error).toBeUndefined();
    expect(appOf("fine")?.objects.map((o) => o.metadata.name)).toEqual(["fine"]);
  });

  it.each(Object.entries(ATTACKS))("refuses %s with a code naming the kustomization and field", (name, attack) => {
    expect(appOf(name)?.objects).toEqual([]);
    expect(appOf(name)?.error).toMatchObject({ code: attack.code, file: attack.file ?? `apps/${name}/kustomization.yaml`, field: attack.field });
  });

  it("never shows the other repository's marker, in output or errors", () => {
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("error[GITOPS_KUSTOMIZE_REMOTE]");
    expect(result.stdout + result.stderr).not.toContain(MARKER);
    expect(result.stderr).not.toContain("    at ");
  });
});

describe("--allow-remote-bases", () => {
  it("still refuses file: and paths out of the repository", async () => {
    const result = await runFlotilla(["render", fleet.dir, "-o", "json", "--allow-remote-bases", "--app", "file-url", "--app", "git-file", "--app", "dotdot", "--app", "symlink"]);
    const apps = (JSON.parse(result.stdout) as Rendered).clusters[0].apps;
    expect(apps.map((a) => [a.name, a.error?.code])).toEqual([
      ["dotdot", "GITOPS_PATH_ESCAPE"],
      ["file-url", "GITOPS_KUSTOMIZE_REMOTE"],
      ["git-file", "GITOPS_KUSTOMIZE_REMOTE"],
      ["symlink", "GITOPS_PATH_ESCAPE"],
    ]);
    expect(result.stdout + result.stderr).not.toContain(MARKER);
  });
});
