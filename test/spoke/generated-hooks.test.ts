import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevCluster } from "../../devcluster/index.js";
import type { KubeObject } from "../../kube/index.js";
import { makeGitRepo, runFlotilla, type GitRepo } from "../harness/index.js";
import { kubectlJson } from "../kube/kube-fixtures.js";
import { FLEET } from "./fleet-repo-fixture.js";
import { clusterWithCrds } from "./spoke-fixtures.js";

// A PreSync migration Job named by the API server (`generateName`), the way Argo CD users write
// them, from Git through the real renderer and reconciler (`flotilla bootstrap`, the hub-less path
// that runs the same stages as a spoke).

const MIGRATE = `apiVersion: batch/v1
kind: Job
metadata:
  generateName: shop-migrate-
  annotations:
    argocd.argoproj.io/hook: PreSync
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: ghcr.io/example/shop-migrate:1.0}]
`;

let cluster: DevCluster;
let repo: GitRepo;

beforeAll(async () => {
  const { "apps/shop/sealedsecret.yaml": _sealed, "apps/shop/sops-secret.yaml": _sops, ...plain } = FLEET;
  repo = await makeGitRepo({ ...plain, "apps/shop/migrate-job.yaml": MIGRATE });
  cluster = await clusterWithCrds("generated-hooks");
});

afterAll(async () => {
  await cluster?.stop();
  await repo?.remove();
});

async function jobs(): Promise<KubeObject[]> {
  return (await kubectlJson(cluster.kubeconfigPath, ["get", "jobs", "-n", "myns"])).items as KubeObject[];
}

describe("a generateName hook from Git", () => {
  it("runs before the app on every sync, as a new Job each time; the default BeforeHookCreation keeps only the latest", async () => {
    const args = ["bootstrap", "--repo", repo.dir, "--cluster", "eu-1", "--kubeconfig", cluster.kubeconfigPath];
    const first = await runFlotilla(args, { timeoutMs: 60_000 });
    expect(first.stderr).not.toMatch(/error\[/);
    expect(first.code).toBe(0);
    const afterFirst = await jobs();
    expect(afterFirst.map((j) => j.metadata.name)).toEqual([expect.stringMatching(/^shop-migrate-[a-z0-9]{5}$/)]);
    expect(afterFirst[0]?.metadata).toMatchObject({ generateName: "shop-migrate-", labels: { "flotilla.dev/app": "shop-eu-1" } });

    const second = await runFlotilla(args, { timeoutMs: 60_000 });
    expect(second.code).toBe(0);
    const afterSecond = await jobs();
    expect(afterSecond).toHaveLength(1);
    expect(afterSecond[0]?.metadata.name).toMatch(/^shop-migrate-[a-z0-9]{5}$/);
    expect(afterSecond[0]?.metadata.name).not.toBe(afterFirst[0]?.metadata.name);
    // The app itself is there and was not touched by the second run.
    expect((await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "shop-settings", "-n", "myns"])).data).toEqual({ mode: "safe" });
  });

  it("rejects generateName on an object that is not a hook, naming the file", async () => {
    const bad = await makeGitRepo({ ...FLEET, "apps/shop/migrate-job.yaml": MIGRATE.replace("    argocd.argoproj.io/hook: PreSync\n", "    team: db\n") });
    try {
      const result = await runFlotilla(["render", bad.dir, "--cluster", "eu-1"], { timeoutMs: 60_000 });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/apps\/shop\/migrate-job\.yaml.*Job has generateName but no metadata\.name: only hooks/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await bad.remove();
    }
  });
});
