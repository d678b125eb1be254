import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { randomBytes } from "node:crypto";
import { systemClock, type Clock } from "../../core/index.js";
import { restoreKeys } from "../../crypto/open.js";
import type { DevCluster } from "../../devcluster/index.js";
import { KeyCustody } from "../../spoke/index.js";
import { kubectlJson } from "../kube/kube-fixtures.js";
import { clusterWithCrds, kubeFor, SPOKE_NS } from "./spoke-fixtures.js";

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await clusterWithCrds("key-custody");
});
afterAll(async () => {
  await cluster.stop();
});

/** A clock that can be moved forward (rotation is days away on the real one). */
function shiftedClock(): Clock & { shift: number } {
  const c = { shift: 0, now: () => Date.now() + c.shift, sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(ms, signal) };
  return c;
}

describe("key custody", () => {
  it("generates the first sealing key as a controller-compatible Secret, keeps it, rotates on schedule, and backs up to age", async () => {
    const clock = shiftedClock();
    const custody = new KeyCustody({ client: kubeFor(cluster), namespace: SPOKE_NS, clock, random: (n) => new Uint8Array(randomBytes(n)), keyBits: 2048, rotateEveryMs: 30 * 24 * 3600 * 1000 });
    const ring = await custody.ensureSealingKeys();
    expect(ring.keys).toHaveLength(1);
    const secrets = await kubectlJson(cluster.kubeconfigPath, ["get", "secrets", "-n", SPOKE_NS, "-l", "sealedsecrets.bitnami.com/sealed-secrets-key=active"]);
    expect(secrets.items).toHaveLength(1);
    expect(secrets.items[0]).toMatchObject({ type: "kubernetes.io/tls" });
    expect(Object.keys(secrets.items[0].data).sort()).toEqual(["tls.crt", "tls.key"]);
    expect(secrets.items[0].metadata.name).toMatch(/^sealed-secrets-key[a-z0-9]{5}$/);

    // A restart loads the same key; no new key before the rotation period.
    const again = await new KeyCustody({ client: kubeFor(cluster), namespace: SPOKE_NS, clock, random: (n) => new Uint8Array(randomBytes(n)), keyBits: 2048 }).ensureSealingKeys();
    expect(again.keys.map((k) => k.fingerprint)).toEqual(ring.keys.map((k) => k.fingerprint));

    // 31 days later: a new active key, the old one kept to open existing secrets.
    clock.shift = 31 * 24 * 3600 * 1000;
    const rotated = await custody.ensureSealingKeys();
    expect(rotated.keys).toHaveLength(2);
    expect(rotated.sealingKey.fingerprint).not.toBe(ring.sealingKey.fingerprint);

    const identity = await generateIdentity();
    const backup = await custody.backup([await identityToRecipient(identity)]);
    expect(backup).toMatch(/BEGIN AGE ENCRYPTED FILE/);
    expect(backup).not.toContain("PRIVATE KEY");
    const restored = await restoreKeys(backup, identity);
    expect(restored.keys.map((k) => k.fingerprint).sort()).toEqual(rotated.keys.map((k) => k.fingerprint).sort());
  });

  it("keeps one status key across restarts", async () => {
    const make = (): KeyCustody => new KeyCustody({ client: kubeFor(cluster), namespace: SPOKE_NS, clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)) });
    const a = await make().statusKey();
    const b = await make().statusKey();
    expect(b.publicKey).toBe(a.publicKey);
  });

  it("reports a broken SOPS key Secret with a stable code and without its content", async () => {
    const { kubectl } = await import("../kube/kube-fixtures.js");
    const junk = "AGE-SECRET-KEY-1NOTAREALKEY";
    await kubectl(cluster.kubeconfigPath, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "flotilla-sops-keys", namespace: SPOKE_NS }, data: { "bad.agekey": Buffer.from(junk).toString("base64") } }));
    const custody = new KeyCustody({ client: kubeFor(cluster), namespace: SPOKE_NS, clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)) });
    const err = await custody.loadSopsKeys().then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(err?.code).toBe("SPOKE_KEYS_FAILED");
    expect(err?.message).not.toContain(junk);
  });
});
