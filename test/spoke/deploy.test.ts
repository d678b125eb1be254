import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { startDevCluster, type DevCluster } from "../../devcluster/index.js";
import type { KubeObject } from "../../kube/index.js";
import { REPO_ROOT } from "../harness/index.js";
import { kubectl, kubectlJson } from "../kube/kube-fixtures.js";

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

let rendered: KubeObject[];
let cluster: DevCluster;

beforeAll(async () => {
  cluster = await startDevCluster({ name: "deploy-spoke" });
  const text = await kubectl(cluster.kubeconfigPath, ["kustomize", join(REPO_ROOT, "deploy", "spoke")]);
  rendered = parseAllDocuments(text).map((d) => d.toJSON() as KubeObject);
});
afterAll(async () => {
  await cluster.stop();
});

const find = (kind: string, name: string): KubeObject | undefined => rendered.find((o) => o.kind === kind && o.metadata.name === name);

describe("deploy/spoke (kustomize base)", () => {
  it("renders with kubectl kustomize into the spoke's namespace", () => {
    expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "ClusterRole/flotilla-spoke-apply",
      "ClusterRoleBinding/flotilla-spoke-apply",
      "CustomResourceDefinition/fleetsealedsecrets.flotilla.dev",
      "CustomResourceDefinition/sealedsecrets.bitnami.com",
      "Deployment/flotilla-spoke",
      "Namespace/flotilla-system",
      "Role/flotilla-spoke-state",
      "RoleBinding/flotilla-spoke-state",
      "ServiceAccount/flotilla-spoke",
    ]);
    for (const o of rendered) if (!["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"].includes(o.kind)) expect(o.metadata.namespace).toBe("flotilla-system");
  });

  it("grants least privilege: no escalation verbs, no '*' verb, no non-resource URLs; own state only in its namespace", () => {
    const rules = [...((find("ClusterRole", "flotilla-spoke-apply")?.rules as Rule[]) ?? []), ...((find("Role", "flotilla-spoke-state")?.rules as Rule[]) ?? [])];
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      expect(r.verbs).not.toContain("*");
      for (const v of ["escalate", "bind", "impersonate", "deletecollection"]) expect(r.verbs).not.toContain(v);
      expect(r.nonResourceURLs).toBeUndefined();
      for (const res of r.resources ?? []) if (res.includes("/")) expect(res).toBe("sealedsecrets/status");
    }
    // Deleting Secrets is needed only for pruning app Secrets, never in its own namespace (keys are kept).
    const own = find("Role", "flotilla-spoke-state")?.rules as Rule[];
    expect(own.find((r) => r.resources?.includes("secrets"))?.verbs).not.toContain("delete");
    const binding = find("ClusterRoleBinding", "flotilla-spoke-apply") as unknown as { subjects: Array<{ name: string; namespace: string }> };
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "flotilla-spoke", namespace: "flotilla-system" }]);
  });

  it("runs the spoke unprivileged, read-only, as non-root", () => {
    const spec = (find("Deployment", "flotilla-spoke")?.spec as { template: { spec: any } }).template.spec; // eslint-disable-line @typescript-eslint/no-explicit-any -- manifest
    expect(spec.serviceAccountName).toBe("flotilla-spoke");
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    const c = spec.containers[0];
    expect(c.args[0]).toBe("spoke");
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
  });

  it("ships the CRDs exactly as crds/ defines them", () => {
    for (const f of ["sealed-secret.yaml", "fleet-sealed-secret.yaml"]) {
      expect(readFileSync(join(REPO_ROOT, "deploy", "spoke", "crds", f), "utf8")).toBe(readFileSync(join(REPO_ROOT, "crds", f), "utf8"));
    }
  });

  it("applies to a devcluster with kubectl apply -k", async () => {
    await kubectl(cluster.kubeconfigPath, ["apply", "-k", join(REPO_ROOT, "deploy", "spoke")]);
    const dep = await kubectlJson(cluster.kubeconfigPath, ["get", "deployment", "flotilla-spoke", "-n", "flotilla-system"]);
    expect(dep.spec.template.spec.serviceAccountName).toBe("flotilla-spoke");
    const crb = await kubectlJson(cluster.kubeconfigPath, ["get", "clusterrolebinding", "flotilla-spoke-apply"]);
    expect(crb.roleRef.name).toBe("flotilla-spoke-apply");
    // The SealedSecret kind is served once the CRD is in.
    await kubectl(cluster.kubeconfigPath, ["get", "sealedsecrets", "-A"]);
  });
});
