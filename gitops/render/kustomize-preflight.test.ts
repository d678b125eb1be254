import { describe, expect, it } from "vitest";
import { SnapshotBuilder, memorySnapshot } from "../repo-snapshot.js";
import { preflightKustomization } from "./kustomize-preflight.js";

const CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";

function repo(kustomization: string, extra: Record<string, string> = {}) {
  return memorySnapshot({ "apps/app/kustomization.yaml": kustomization, "apps/app/cm.yaml": CM, "apps/base/kustomization.yaml": "resources:\n- cm.yaml\n", "apps/base/cm.yaml": CM, ...extra }, { source: "https://git.example.com/org/fleet" });
}

const refuse = { allowRemote: false };
const allow = { allowRemote: true };

describe("kustomize preflight", () => {
  it("accepts local resources, bases, patches and generator files inside the repository", () => {
    const snapshot = repo(
      [
        "resources:\n- cm.yaml\n- ../base",
        "patches:\n- path: cm.yaml",
        "patchesStrategicMerge:\n- cm.yaml\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: inline",
        "configMapGenerator:\n- name: g\n  files:\n  - key=cm.yaml\n  envs:\n  - cm.yaml",
      ].join("\n"),
    );
    expect(() => preflightKustomization(snapshot, "apps/app", refuse)).not.toThrow();
  });

  it.each([
    ["file:// remote base", "resources:\n- file:///srv/other/repo//app?ref=main", "resources[0]"],
    ["git::file:// base", "resources:\n- git::file:///srv/other/repo//app", "resources[0]"],
    ["https remote base", "resources:\n- https://github.com/org/repo//app?ref=v1", "resources[0]"],
    ["ssh remote base", "resources:\n- ssh://git@github.com/org/repo//app", "resources[0]"],
    ["scp-like base", "resources:\n- git@github.com:org/repo//app", "resources[0]"],
    ["github shorthand", "resources:\n- github.com/org/repo/app", "resources[0]"],
    ["go-getter subdir", "bases:\n- repo//app", "bases[0]"],
    ["remote component", "components:\n- https://evil.io/c.git", "components[0]"],
    ["remote patch file", "patches:\n- path: https://evil.io/patch.yaml", "patches[0].path"],
    ["remote generator file", "configMapGenerator:\n- name: g\n  files:\n  - k=https://evil.io/f", "configMapGenerator[0].files[0]"],
    ["helm chart", "helmCharts:\n- name: x\n  repo: https://charts.evil.io", "helmCharts"],
  ])("refuses a %s unless allowed (GITOPS_KUSTOMIZE_REMOTE, naming the field)", (_what, k, field) => {
    expect(() => preflightKustomization(repo(k), "apps/app", refuse)).toThrow(
      expect.objectContaining({ code: "GITOPS_KUSTOMIZE_REMOTE", file: "apps/app/kustomization.yaml", field }),
    );
  });

  it("refuses file: even when remote bases are allowed, and lets https through then", () => {
    expect(() => preflightKustomization(repo("resources:\n- file:///srv/other//app"), "apps/app", allow)).toThrow(expect.objectContaining({ code: "GITOPS_KUSTOMIZE_REMOTE" }));
    expect(() => preflightKustomization(repo("resources:\n- git::FILE:///srv/other//app"), "apps/app", allow)).toThrow(expect.objectContaining({ code: "GITOPS_KUSTOMIZE_REMOTE" }));
    expect(() => preflightKustomization(repo("resources:\n- https://github.com/org/repo//app?ref=v1\n- github.com/org/repo/app"), "apps/app", allow)).not.toThrow();
  });

  it.each([
    ["../ above the root", "resources:\n- ../../../tmp/flotilla-git-cache/abc/app", "resources[0]"],
    ["an absolute path", "resources:\n- /etc/passwd", "resources[0]"],
    ["a generator file above the root", "secretGenerator:\n- name: s\n  files:\n  - ../../../../etc/shadow", "secretGenerator[0].files[0]"],
    ["a generator env file", "configMapGenerator:\n- name: s\n  envs:\n  - /proc/self/environ", "configMapGenerator[0].envs[0]"],
    ["a patch path", "patchesJson6902:\n- path: ../../../x.yaml", "patchesJson6902[0].path"],
    ["a CRD file", "crds:\n- /etc/hosts", "crds[0]"],
    ["a helm chart home", "helmGlobals:\n  chartHome: /var/lib", "helmGlobals.chartHome"],
  ])("refuses %s with GITOPS_PATH_ESCAPE, even when remote bases are allowed", (_what, k, field) => {
    for (const options of [refuse, allow]) {
      expect(() => preflightKustomization(repo(k), "apps/app", options)).toThrow(expect.objectContaining({ code: "GITOPS_PATH_ESCAPE", field }));
    }
  });

  it("refuses a symlink that leaves the repository, in a resource and in a base it reaches", () => {
    const builder = new SnapshotBuilder("https://git.example.com/org/fleet");
    const enc = new TextEncoder();
    builder.add("apps/app/kustomization.yaml", { kind: "file", data: enc.encode("resources:\n- ../base\n") });
    builder.add("apps/base/kustomization.yaml", { kind: "file", data: enc.encode("resources:\n- secret.yaml\n") });
    builder.add("apps/base/secret.yaml", { kind: "symlink", target: "/etc/shadow" });
    builder.add("apps/other/kustomization.yaml", { kind: "file", data: enc.encode("resources:\n- cache\n") });
    builder.add("apps/other/cache", { kind: "symlink", target: "../../../../tmp/flotilla-git-cache" });
    const snapshot = builder.build("rev");
    expect(() => preflightKustomization(snapshot, "apps/app", allow)).toThrow(expect.objectContaining({ code: "GITOPS_PATH_ESCAPE", file: "apps/base/kustomization.yaml", field: "resources[0]" }));
    expect(() => preflightKustomization(snapshot, "apps/other", allow)).toThrow(expect.objectContaining({ code: "GITOPS_PATH_ESCAPE" }));
  });

  it("reports a missing local file as a kustomize error and terminates on base cycles", () => {
    expect(() => preflightKustomization(repo("resources:\n- missing.yaml"), "apps/app", refuse)).toThrow(expect.objectContaining({ code: "GITOPS_KUSTOMIZE", field: "resources[0]" }));
    const cyclic = memorySnapshot({ "a/kustomization.yaml": "resources:\n- ../b\n", "b/kustomization.yaml": "resources:\n- ../a\n" });
    expect(() => preflightKustomization(cyclic, "a", refuse)).not.toThrow();
  });
});
