import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock, type Clock } from "../../core/index.js";
import { generateSealingKey } from "../../crypto/open.js";
import type { DevCluster } from "../../devcluster/index.js";
import { KeyCustody } from "../../spoke/index.js";
import { createNamespace } from "../kube/kube-fixtures.js";
import { clusterWithCrds, kubeFor, SPOKE_NS } from "./spoke-fixtures.js";

// KeyCustody.refresh against a devcluster: a running spoke picks up key Secrets added after its
// start (`flotilla keys rotate --kubeconfig`, a restore) and rebuilds its ring only then.

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await clusterWithCrds("key-refresh");
});
afterAll(async () => {
  await cluster.stop();
});

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
/** A clock `offsetMs` away from now (certificate NotBefore has one-second precision). */
const clockAt = (offsetMs: number): Clock => ({ now: () => Date.now() + offsetMs, sleep: (ms, signal) => systemClock.sleep(ms, signal) });
const custodyFor = (clock: Clock, namespace = SPOKE_NS): KeyCustody => new KeyCustody({ client: kubeFor(cluster), namespace, clock, random, keyBits: 2048, rotateEveryMs: 0 });

describe("KeyCustody.refresh", () => {
  it("keeps the ring while the key Secrets are unchanged, and takes a rotated key as the sealing key without a restart", async () => {
    const spoke = custodyFor(systemClock);
    const first = await spoke.ensureSealingKeys();
    expect(first.keys).toHaveLength(1);

    // Nothing changed: no rebuild (the very same ring object), nothing to announce.
    expect(await spoke.refresh()).toBe(false);
    expect(await spoke.sealingRing()).toBe(first);

    // Another process rotates in the cluster (as `flotilla keys rotate --kubeconfig` does), an hour later.
    const { generated, kept } = await custodyFor(clockAt(3600_000)).rotate();
    expect(kept).toBe(1);

    expect(await spoke.refresh()).toBe(true);
    const ring = await spoke.sealingRing();
    expect(ring).not.toBe(first);
    expect(ring.keys.map((k) => k.fingerprint).sort()).toEqual([first.sealingKey.fingerprint, generated.fingerprint].sort());
    expect(ring.sealingKey.fingerprint).toBe(generated.fingerprint);
    expect((await spoke.sealingCertificate())?.trim()).toBe(generated.certificatePem.trim());
    expect(spoke.keysVersion).toBe(`${generated.fingerprint},${first.sealingKey.fingerprint}`);

    expect(await spoke.refresh()).toBe(false);
    expect(await spoke.sealingRing()).toBe(ring);
  });

  it("loads an older key restored into the cluster without changing the sealing certificate", async () => {
    const spoke = custodyFor(systemClock);
    const before = await spoke.ensureSealingKeys();
    const old = await generateSealingKey({ clock: clockAt(-24 * 3600_000), random, bits: 2048 });
    await custodyFor(systemClock).storeKeys([old.key]);

    const versionBefore = spoke.keysVersion;
    expect(await spoke.refresh()).toBe(false);
    const ring = await spoke.sealingRing();
    expect(ring.keys).toHaveLength(before.keys.length + 1);
    expect(ring.has(old.fingerprint)).toBe(true);
    expect(ring.sealingKey.fingerprint).toBe(before.sealingKey.fingerprint);
    expect(spoke.keysVersion).not.toBe(versionBefore);
  });

  it("rotates on schedule while running: a due sealing key is replaced on the next refresh", async () => {
    await createNamespace(cluster.kubeconfigPath, "rotating");
    let shift = 0;
    const clock: Clock = { now: () => Date.now() + shift, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
    const spoke = new KeyCustody({ client: kubeFor(cluster), namespace: "rotating", clock, random, keyBits: 2048, rotateEveryMs: 30 * 24 * 3600_000 });
    const first = await spoke.ensureSealingKeys();
    expect(await spoke.refresh()).toBe(false);
    shift = 31 * 24 * 3600_000;
    expect(await spoke.refresh()).toBe(true);
    const ring = await spoke.sealingRing();
    expect(ring.keys).toHaveLength(2);
    expect(ring.sealingKey.fingerprint).not.toBe(first.sealingKey.fingerprint);
    expect(await spoke.refresh()).toBe(false);
  });

  it("refuses to rotate in a namespace that holds no sealing key (a wrong -n), with a stable code", async () => {
    await createNamespace(cluster.kubeconfigPath, "no-keys-here");
    const err = await custodyFor(systemClock, "no-keys-here")
      .rotate()
      .then(
        () => undefined,
        (e: unknown) => e as Error & { code: string; userError?: boolean },
      );
    expect(err?.code).toBe("SPOKE_KEYS_FAILED");
    expect(err?.message).toMatch(/no sealing key Secret in namespace no-keys-here/);
  });

  it("creates its namespace on a blank cluster before storing the first key (bootstrap of a new cluster)", async () => {
    const fresh = custodyFor(systemClock, "flotilla-fresh");
    expect(await kubeFor(cluster).get({ apiVersion: "v1", kind: "Namespace", name: "flotilla-fresh" })).toBeUndefined();
    const ring = await fresh.ensureSealingKeys();
    expect(ring.keys).toHaveLength(1);
    expect((await kubeFor(cluster).get({ apiVersion: "v1", kind: "Namespace", name: "flotilla-fresh" }))?.metadata.name).toBe("flotilla-fresh");
  });
});
