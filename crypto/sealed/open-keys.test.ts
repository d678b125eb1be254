import { execFileSync } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../test/harness/fixtures.js";
import { parseSealingCertificate } from "./certificate.js";
import { sealFleetSecret, fleetEntryAsSealedSecret } from "./fleet-sealed-secret.js";
import { recoverFleetSealedSecret, unsealFleetSealedSecret } from "./open-fleet-sealed-secret.js";
import { backupKeys, restoreKeys } from "./open-key-backup.js";
import { generateSealingKey } from "./open-key-generation.js";
import { createKeyRing } from "./open-key-ring.js";
import { parseSealingKeySecrets, sealingKeySecret } from "./open-key-secret.js";
import { parsePrivateKeys } from "./open-private-keys.js";
import { unsealSealedSecret } from "./open-unseal.js";
import { sealSecret } from "./seal-secret.js";
import { isSealedSecretsError, SEALED_ERROR } from "./sealed-errors.js";

const read = (name: string): string => readFileSync(fixturePath("sealed-secrets", name), "utf8");
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const keyA = parsePrivateKeys(read("key-a.pem"));
const keyB = parsePrivateKeys(read("key-b.pem"));
const PLAINTEXT = "fleet-plaintext-do-not-leak-4411";

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (err) {
    return isSealedSecretsError(err) ? err.code : `not ours: ${String(err)}`;
  }
  return undefined;
}

describe("private keys", () => {
  it("reads PKCS#1, PKCS#8, a key Secret and the controller's key List", () => {
    const pkcs8 = keyA[0].privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(parsePrivateKeys(pkcs8)[0].fingerprint).toBe(keyA[0].fingerprint);
    const fromSecret = parsePrivateKeys(read("sealing-key-a.secret.yaml"));
    expect(fromSecret.map((k) => k.fingerprint)).toEqual([keyA[0].fingerprint]);
    expect(fromSecret[0].certificatePem).toBeDefined();
    const list = parseSealingKeySecrets(read("sealing-keys-backup.list.yaml"));
    expect(list).toHaveLength(2);
    // The newest certificate (key-a) seals; both open.
    expect(createKeyRing(list).sealingKey.fingerprint).toBe(keyA[0].fingerprint);
  });

  it("names the file and field of a key that is not a key, without quoting it", async () => {
    expect(await codeOf(() => parsePrivateKeys("just some text", { file: "k.txt" }))).toBe(SEALED_ERROR.invalidPrivateKey);
    const secretWithoutKey = stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" }, data: { "tls.crt": "AAAA" } });
    try {
      parsePrivateKeys(secretWithoutKey, { file: "s.yaml" });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: SEALED_ERROR.invalidPrivateKey, file: "s.yaml", field: "data.tls.key" });
    }
    const broken = "-----BEGIN RSA PRIVATE KEY-----\nTUlJQ0FQTEFJTlRFWFQ=\n-----END RSA PRIVATE KEY-----\n";
    try {
      parsePrivateKeys(broken, { file: "b.pem" });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: SEALED_ERROR.invalidPrivateKey, file: "b.pem" });
      expect((err as Error).message).not.toContain("TUlJQ0FQTEFJTlRFWFQ");
    }
  });

  it("backs keys up to an age recipient and restores them with the identity", async () => {
    const identity = await generateIdentity();
    const backup = await backupKeys(parsePrivateKeys(read("sealing-keys-backup.list.yaml")), [await identityToRecipient(identity)]);
    expect(backup).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----/);
    expect(backup).not.toContain("PRIVATE KEY");
    const restored = await restoreKeys(backup, `# created: now\n${identity}\n`);
    expect(restored.keys.map((k) => k.fingerprint).sort()).toEqual([keyA[0].fingerprint, keyB[0].fingerprint].sort());
    const other = await generateIdentity();
    expect(await codeOf(() => restoreKeys(backup, other))).toBe(SEALED_ERROR.backupFailed);
  });
});

describe("generateSealingKey", () => {
  it("makes an RSA-4096 key and a 10-year self-signed cert like the controller, usable end to end", async () => {
    const now = Date.parse("2026-11-23T09:00:00.500Z");
    const generated = await generateSealingKey({ clock: { now: () => now, sleep: () => Promise.resolve() }, random });
    const cert = new X509Certificate(generated.certificatePem);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(new Date(cert.validFrom).toISOString()).toBe("2026-11-23T09:00:00.000Z");
    expect(new Date(cert.validTo).toISOString()).toBe("2036-11-20T09:00:00.000Z");
    // OpenSSL reports ca=false for the controller's cert too (no keyCertSign); BasicConstraints is checked below.
    expect(cert.ca).toBe(new X509Certificate(read("cert-a.pem")).ca);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(generated.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    // The same extensions as the controller's cert (cert-a.pem), as OpenSSL prints them.
    const dir = mkdtempSync(join(tmpdir(), "flotilla-cert-"));
    try {
      const text = (pem: string): string => {
        writeFileSync(join(dir, "c.pem"), pem);
        return execFileSync("openssl", ["x509", "-in", join(dir, "c.pem"), "-noout", "-text"], { encoding: "utf8" });
      };
      const shape = (t: string): string[] => t.split("\n").filter((l) => /X509v3|Encipher|CA:|Issuer:|Subject:|Signature Algorithm/.test(l)).map((l) => l.trim()).filter((l) => !/^([0-9A-F]{2}:)+[0-9A-F]{2}$/.test(l));
      expect(shape(text(generated.certificatePem))).toEqual(shape(text(read("cert-a.pem"))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const secret = sealingKeySecret(generated.key);
    expect(secret).toMatchObject({ type: "kubernetes.io/tls", metadata: { name: expect.stringMatching(/^sealed-secrets-key[a-z0-9]{5}$/) as unknown, namespace: "kube-system", labels: { "sealedsecrets.bitnami.com/sealed-secrets-key": "active" } } });
    // The name is derived from the fingerprint, so re-applying a backup or rotation is idempotent.
    expect(sealingKeySecret(generated.key).metadata.name).toBe(secret.metadata.name);
    expect(sealingKeySecret(generated.key, { generateName: true }).metadata).toMatchObject({ generateName: "sealed-secrets-key" });
    const ring = createKeyRing(parseSealingKeySecrets([secret]));
    const sealed = sealSecret(
      { apiVersion: "v1", kind: "Secret", metadata: { name: "n", namespace: "ns" }, stringData: { k: PLAINTEXT } },
      { certificate: parseSealingCertificate(generated.certificatePem, { now }), random },
    );
    expect(Buffer.from(unsealSealedSecret(sealed, ring).data!.k, "base64").toString()).toBe(PLAINTEXT);
  });
});

describe("FleetSealedSecret", () => {
  const certA = parseSealingCertificate(read("cert-a.pem"));
  const certB = parseSealingCertificate(read("cert-b.pem"));
  const input = { apiVersion: "v1" as const, kind: "Secret" as const, metadata: { name: "api", namespace: "prod" }, type: "Opaque", stringData: { token: PLAINTEXT } };

  it("seals once for many clusters; each cluster opens only its own entry", async () => {
    const fss = await sealFleetSecret(input, { targets: [{ cluster: "eu-1", certificate: certA }, { cluster: "us-1", certificate: certB }], random });
    expect(fss.spec.clusters.map((c) => [c.cluster, c.keyFingerprint])).toEqual([
      ["eu-1", certA.fingerprint],
      ["us-1", certB.fingerprint],
    ]);
    const ringA = createKeyRing(keyA);
    expect(Buffer.from(unsealFleetSealedSecret(fss, "eu-1", ringA).data!.token, "base64").toString()).toBe(PLAINTEXT);
    // eu-1's key cannot open us-1's entry, and a cluster without an entry gets a clear error.
    expect(await codeOf(() => unsealFleetSealedSecret(fss, "us-1", ringA))).toBe(SEALED_ERROR.noKeyCouldDecrypt);
    expect(await codeOf(() => unsealFleetSealedSecret(fss, "ap-1", ringA))).toBe(SEALED_ERROR.fleetNoEntry);
    expect(fleetEntryAsSealedSecret(fss, "us-1").metadata.annotations?.["flotilla.dev/sealed-by-key"]).toBe(certB.fingerprint);
    expect(JSON.stringify(fss)).not.toContain(PLAINTEXT);
  });

  it("can be opened offline by the recovery identity only", async () => {
    const identity = await generateIdentity();
    const fss = await sealFleetSecret(input, { targets: [{ cluster: "eu-1", certificate: certA }], random, recoveryRecipient: await identityToRecipient(identity) });
    const recovered = await recoverFleetSealedSecret(fss, identity);
    expect(recovered).toEqual({ apiVersion: "v1", kind: "Secret", metadata: { name: "api", namespace: "prod" }, type: "Opaque", data: { token: Buffer.from(PLAINTEXT).toString("base64") } });
    const stranger = await generateIdentity();
    expect(await codeOf(() => recoverFleetSealedSecret(fss, stranger))).toBe(SEALED_ERROR.recoveryFailed);
  });

  // Found by test/security/fuzz-sealed-secret.test.ts: a recovery entry that is not an object with
  // encryptedData made recovery fail with a TypeError instead of a code.
  it("refuses a recovery entry of the wrong shape with SEALED_INVALID_MANIFEST", async () => {
    const identity = await generateIdentity();
    const key = await generateSealingKey({ clock: { now: () => Date.UTC(2026, 0, 1), sleep: () => Promise.resolve() }, random, bits: 2048 });
    const certificate = parseSealingCertificate(key.certificatePem, { now: Date.UTC(2026, 0, 1) });
    const fss = await sealFleetSecret(input, { targets: [{ cluster: "eu-1", certificate }], random, recoveryRecipient: await identityToRecipient(identity) });
    for (const recovery of [[fss.spec.recovery], { recipient: "age1x" }, { encryptedData: [] }, "x"]) {
      const bad = { ...fss, spec: { ...fss.spec, recovery } } as unknown as typeof fss;
      expect(await codeOf(() => recoverFleetSealedSecret(bad, identity))).toBe(SEALED_ERROR.invalidManifest);
    }
  });
});
