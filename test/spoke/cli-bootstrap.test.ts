import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { backupKeys, keyFromPem } from "../../crypto/open.js";
import type { DevCluster } from "../../devcluster/index.js";
import { makeGitRepo, runFlotilla, type GitRepo } from "../harness/index.js";
import { kubectlJson } from "../kube/kube-fixtures.js";
import { FLEET, fixture } from "./fleet-repo-fixture.js";
import { clusterWithCrds, expected, installFixtureSopsKey, SPOKE_NS } from "./spoke-fixtures.js";

let cluster: DevCluster;
let repo: GitRepo;
let dir: string;
let identity: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cli-bootstrap-"));
  repo = await makeGitRepo(FLEET);
  cluster = await clusterWithCrds("cli-bootstrap");
  await installFixtureSopsKey(cluster);
  identity = await generateIdentity();
  writeFileSync(join(dir, "recovery.agekey"), `# recovery identity\n${identity}\n`);
  const backup = await backupKeys([keyFromPem(fixture("sealed-secrets", "key-a.pem"), fixture("sealed-secrets", "cert-a.pem"))], [await identityToRecipient(identity)]);
  writeFileSync(join(dir, "keys.age"), backup);
});

afterAll(async () => {
  await cluster.stop();
  await repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe("flotilla bootstrap (built CLI)", () => {
  it("restores keys, renders the repo and converges; a second run changes nothing", async () => {
    const args = ["bootstrap", "--repo", repo.dir, "--cluster", "eu-1", "--kubeconfig", cluster.kubeconfigPath, "--restore-keys", "keys.age", "--recovery-identity", "recovery.agekey"];
    const first = await runFlotilla(["--log-file", "logs/bootstrap.jsonl", ...args], { cwd: dir, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    // Human output on stdout, JSON records in the --log-file, nothing mixed into stderr.
    expect(first.stderr).toBe("");
    const records = readFileSync(join(dir, "logs", "bootstrap.jsonl"), "utf8").trimEnd().split("\n").map((line) => JSON.parse(line) as { msg: string });
    expect(records.map((r) => r.msg)).toContain("restored sealing keys from the backup");
    const head = await repo.head();
    expect(first.stdout).toMatch(new RegExp(`^bootstrapped eu-1 at ${head}: 1 apps, \\d+ created, 0 configured, \\d+ unchanged, 0 deleted, 1 keys restored\\n$`));
    const secret = await kubectlJson(cluster.kubeconfigPath, ["get", "secret", "mysecret", "-n", "myns"]);
    expect(secret.data).toEqual(expected("sealed-secrets", "strict.sealedsecret.yaml").expectedSecret.data);

    const second = await runFlotilla(args, { cwd: dir, timeoutMs: 60_000 });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/: 1 apps, 0 created, 0 configured, \d+ unchanged, 0 deleted\n$/);
    const keys = await kubectlJson(cluster.kubeconfigPath, ["get", "secrets", "-n", SPOKE_NS, "-l", "sealedsecrets.bitnami.com/sealed-secrets-key=active"]);
    expect(keys.items).toHaveLength(1);
  });

  it("a wrong recovery identity is a clear user error that leaks no key material", async () => {
    const other = await generateIdentity();
    writeFileSync(join(dir, "wrong.agekey"), `${other}\n`);
    const r = await runFlotilla(["bootstrap", "--repo", repo.dir, "--cluster", "eu-1", "--kubeconfig", cluster.kubeconfigPath, "--restore-keys", "keys.age", "--recovery-identity", "wrong.agekey"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[SEALED_BACKUP_FAILED\]: keys\.age: cannot decrypt the key backup/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    for (const secret of [other, identity, "PRIVATE KEY"]) expect(r.stderr + r.stdout).not.toContain(secret);
  });

  it("rejects bad spoke flags with the offending field", async () => {
    const noKey = await runFlotilla(["bootstrap", "--repo", repo.dir, "--cluster", "eu-1", "--then-join", "nats://127.0.0.1:1"], { cwd: dir });
    expect(noKey.code, noKey.stderr).toBe(1);
    expect(noKey.stderr, noKey.stderr).toMatch(/error\[INVALID_FLAG\]: --hub-key: --then-join needs the hub's public key/);
    const badName = await runFlotilla(["spoke", "--nats", "nats://127.0.0.1:1", "--cluster", "EU_1", "--hub-key", "ed25519:x", "--kubeconfig", cluster.kubeconfigPath], { cwd: dir });
    expect(badName.code, badName.stderr).toBe(1);
    expect(badName.stderr, badName.stderr).toMatch(/error\[SPOKE_CONFIG_INVALID\]: cluster:/);
  });

  it("a cluster-name typo fails before the first write: no namespace, no restored keys", async () => {
    const namespace = "flotilla-typo";
    const args = ["bootstrap", "--repo", repo.dir, "--cluster", "eu1", "--kubeconfig", cluster.kubeconfigPath, "--namespace", namespace, "--key-bits", "2048", "--restore-keys", "keys.age", "--recovery-identity", "recovery.agekey"];
    const unknownCluster = await runFlotilla(args, { cwd: dir, timeoutMs: 60_000 });
    expect(unknownCluster.code, unknownCluster.stderr).toBe(1);
    expect(unknownCluster.stderr, unknownCluster.stderr).toMatch(/^error\[SPOKE_BOOTSTRAP_FAILED\]: --cluster: the fleet repository has no cluster named "eu1"$/m);
    expect(unknownCluster.stdout).toBe("");
    await expect(kubectlJson(cluster.kubeconfigPath, ["get", "namespace", namespace])).rejects.toThrow(/NotFound/);
    const keys = await kubectlJson(cluster.kubeconfigPath, ["get", "secrets", "-A", "-l", "sealedsecrets.bitnami.com/sealed-secrets-key"]);
    expect((keys.items as { metadata: { namespace: string } }[]).map((k) => k.metadata.namespace)).not.toContain(namespace);
  });
});
