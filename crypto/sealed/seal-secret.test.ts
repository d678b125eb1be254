import { constants, createDecipheriv, createPrivateKey, privateDecrypt, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { encryptSecretItem } from "@linode/kubeseal-encrypt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../test/harness/fixtures.js";
import { parseSealingCertificate } from "./certificate.js";
import { decodeSealedValue } from "./hybrid-format.js";
import type { SealedSecretManifest, SecretManifest } from "./manifests.js";
import { hybridDecrypt } from "./open-hybrid-decrypt.js";
import { generateSealingKey } from "./open-key-generation.js";
import { createKeyRing } from "./open-key-ring.js";
import { parsePrivateKeys } from "./open-private-keys.js";
import { unsealSealedSecret } from "./open-unseal.js";
import { encryptionLabel, SEALING_SCOPES } from "./scope.js";
import { mergeSealedSecrets, sealRawValue, sealSecret } from "./seal-secret.js";
import { isSealedSecretsError, SEALED_ERROR } from "./sealed-errors.js";

const read = (name: string): string => readFileSync(fixturePath("sealed-secrets", name), "utf8");
const certA = parseSealingCertificate(read("cert-a.pem"), { file: "cert-a.pem" });
const keyA = parsePrivateKeys(read("key-a.pem"));
const keyB = parsePrivateKeys(read("key-b.pem"));
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const PLAINTEXT = "correct-horse-battery-staple-7731";

function secret(name: string, namespace: string, extra: Partial<SecretManifest> = {}): SecretManifest {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, type: "Opaque", stringData: { password: PLAINTEXT }, ...extra };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isSealedSecretsError(err) ? err.code : `not ours: ${String(err)}`;
  }
  return undefined;
}

/** A second decryptor written from the spec alone (no code shared with ours). */
function specDecrypt(privatePem: string, valueBase64: string, label: string): Buffer {
  const bytes = Buffer.from(valueBase64, "base64");
  const rsaLength = bytes.readUInt16BE(0);
  const rsa = bytes.subarray(2, 2 + rsaLength);
  const rest = bytes.subarray(2 + rsaLength);
  const key = privateDecrypt(
    { key: createPrivateKey(privatePem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from(label) },
    rsa,
  );
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.alloc(12));
  decipher.setAuthTag(rest.subarray(rest.length - 16));
  return Buffer.concat([decipher.update(rest.subarray(0, rest.length - 16)), decipher.final()]);
}

describe("sealSecret", () => {
  it.each(SEALING_SCOPES)("round-trips in %s scope, and the spec decryptor opens it", (scope) => {
    const sealed = sealSecret(secret("db", "ns"), { certificate: certA, random, scope });
    const opened = unsealSealedSecret(sealed, createKeyRing(keyA));
    expect(Buffer.from(opened.data!.password, "base64").toString()).toBe(PLAINTEXT);
    expect(specDecrypt(read("key-a.pem"), sealed.spec.encryptedData.password, encryptionLabel("ns", "db", scope)).toString()).toBe(PLAINTEXT);
    expect(sealed.metadata.annotations?.["flotilla.dev/sealed-by-key"]).toBe(certA.fingerprint);
  });

  it("pins strict scope to ns/name: a value sealed for ns/a does not open as ns/b", () => {
    const sealed = sealSecret(secret("a", "ns"), { certificate: certA, random });
    const moved: SealedSecretManifest = { ...sealed, metadata: { ...sealed.metadata, name: "b" } };
    expect(codeOf(() => unsealSealedSecret(moved, createKeyRing(keyA)))).toBe(SEALED_ERROR.noKeyCouldDecrypt);
    const otherNs: SealedSecretManifest = { ...sealed, metadata: { ...sealed.metadata, namespace: "other" } };
    expect(codeOf(() => unsealSealedSecret(otherNs, createKeyRing(keyA)))).toBe(SEALED_ERROR.noKeyCouldDecrypt);
  });

  it("lets namespace-wide move within the namespace and cluster-wide move anywhere", () => {
    const nsWide = sealSecret(secret("a", "ns"), { certificate: certA, random, scope: "namespace-wide" });
    expect(unsealSealedSecret({ ...nsWide, metadata: { ...nsWide.metadata, name: "renamed" } }, createKeyRing(keyA)).metadata.name).toBe("renamed");
    expect(codeOf(() => unsealSealedSecret({ ...nsWide, metadata: { ...nsWide.metadata, namespace: "x" } }, createKeyRing(keyA)))).toBe(
      SEALED_ERROR.noKeyCouldDecrypt,
    );
    const cw = sealSecret(secret("a", "ns"), { certificate: certA, random, scope: "cluster-wide" });
    expect(unsealSealedSecret({ ...cw, metadata: { ...cw.metadata, name: "z", namespace: "q" } }, createKeyRing(keyA)).metadata).toMatchObject({ name: "z", namespace: "q" });
  });

  it("copies metadata like kubeseal: drops last-applied copies, owners and server fields", () => {
    const input = secret("a", "ns", {
      metadata: {
        name: "a",
        namespace: "ns",
        uid: "123",
        resourceVersion: "9",
        labels: { app: "x" },
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": `{"stringData":{"password":"${PLAINTEXT}"}}`, keep: "me" },
        ownerReferences: [{ apiVersion: "v1", kind: "X", name: "o", uid: "1" }],
      },
    });
    const sealed = sealSecret(input, { certificate: certA, random });
    expect(sealed.spec.template).toEqual({ metadata: { name: "a", namespace: "ns", creationTimestamp: null, labels: { app: "x" }, annotations: { keep: "me" } }, type: "Opaque" });
    expect(JSON.stringify(sealed)).not.toContain(PLAINTEXT);
  });

  it("fails with an integrity error on any tampered byte, never with garbage", () => {
    const value = sealRawValue({ certificate: certA, random, scope: "cluster-wide", value: Buffer.from("x") });
    const bytes = decodeSealedValue(value);
    const ring = createKeyRing(keyA);
    for (let i = 0; i < bytes.length; i++) {
      const tampered = Uint8Array.from(bytes);
      tampered[i] = tampered[i] ^ 0x01;
      const code = codeOf(() => hybridDecrypt(ring, tampered, ""));
      // The RSA-OAEP block is its own integrity check; the AES-GCM tag covers the rest.
      if (i < 2) expect([SEALED_ERROR.malformedCiphertext, SEALED_ERROR.noKeyCouldDecrypt]).toContain(code);
      else if (i < 2 + 512) expect(code).toBe(SEALED_ERROR.noKeyCouldDecrypt);
      else expect(code).toBe(SEALED_ERROR.integrity);
    }
    expect(codeOf(() => hybridDecrypt(ring, bytes.subarray(0, bytes.length - 1), ""))).toBe(SEALED_ERROR.integrity);
    expect(codeOf(() => hybridDecrypt(ring, bytes.subarray(0, 100), ""))).toBe(SEALED_ERROR.malformedCiphertext);
  });

  it("round-trips arbitrary bytes under arbitrary labels (property)", () => {
    const ring = createKeyRing(keyA);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }), (plaintext, ns, name) => {
        const value = sealRawValue({ certificate: certA, random, scope: "strict", namespace: `n${ns}`, name: `m${name}`, value: plaintext });
        const opened = hybridDecrypt(ring, decodeSealedValue(value), encryptionLabel(`n${ns}`, `m${name}`, "strict"));
        expect(Buffer.from(opened.plaintext).equals(Buffer.from(plaintext))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it("opens values sealed by @linode/kubeseal-encrypt (namespace-wide)", async () => {
    const publicPem = certA.publicKey.export({ type: "spki", format: "pem" }).toString();
    const value = await encryptSecretItem(publicPem, "team-a", PLAINTEXT);
    const sealed: SealedSecretManifest = {
      apiVersion: "bitnami.com/v1alpha1",
      kind: "SealedSecret",
      metadata: { name: "from-linode", namespace: "team-a", annotations: { "sealedsecrets.bitnami.com/namespace-wide": "true" } },
      spec: { encryptedData: { token: value } },
    };
    expect(Buffer.from(unsealSealedSecret(sealed, createKeyRing(keyA)).data!.token, "base64").toString()).toBe(PLAINTEXT);
  });

  it("opens the kubeseal --raw fixture values for each scope", () => {
    const raws = JSON.parse(read("raw-values.json")) as { Label: string; Plaintext: string; Ciphertext: string }[];
    const ring = createKeyRing(keyA);
    for (const raw of raws) expect(Buffer.from(hybridDecrypt(ring, decodeSealedValue(raw.Ciphertext), raw.Label).plaintext).toString()).toBe(raw.Plaintext);
  });

  it("checks raw sealing flags like kubeseal", () => {
    const base = { certificate: certA, random, value: Buffer.from("v") };
    expect(codeOf(() => sealRawValue({ ...base, scope: "strict", namespace: "ns" }))).toBe(SEALED_ERROR.scopeNeedsName);
    expect(codeOf(() => sealRawValue({ ...base, scope: "namespace-wide" }))).toBe(SEALED_ERROR.scopeNeedsName);
    expect(codeOf(() => sealRawValue({ ...base, scope: "cluster-wide" }))).toBeUndefined();
  });

  it("rejects bad input with a code that names the field or item, without echoing values", () => {
    const noNs = secret("a", "");
    expect(codeOf(() => sealSecret(noNs, { certificate: certA, random }))).toBe(SEALED_ERROR.scopeNeedsName);
    expect(codeOf(() => sealSecret(secret("", "ns"), { certificate: certA, random }))).toBe(SEALED_ERROR.scopeNeedsName);
    expect(codeOf(() => sealSecret(secret("a", "ns", { stringData: {} }), { certificate: certA, random }))).toBe(SEALED_ERROR.emptyData);
    try {
      sealSecret(secret("a", "ns", { stringData: undefined, data: { password: `${PLAINTEXT}!` } }), { certificate: certA, random });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: SEALED_ERROR.invalidManifest, field: "data.password", item: "password" });
      expect(String((err as Error).message)).not.toContain(PLAINTEXT);
    }
  });

  it("follows kubeseal for --scope strict and --namespace", () => {
    const annotated = secret("a", "ns", { metadata: { name: "a", namespace: "ns", annotations: { "sealedsecrets.bitnami.com/namespace-wide": "true" } } });
    // --scope strict is kubeseal's default value: the Secret's own annotation still decides.
    expect(sealSecret(annotated, { certificate: certA, random, scope: "strict" }).metadata.annotations?.["sealedsecrets.bitnami.com/namespace-wide"]).toBe("true");
    expect(sealSecret(secret("a", ""), { certificate: certA, random, namespace: "given" }).metadata.namespace).toBe("given");
    expect(codeOf(() => sealSecret(secret("a", "ns"), { certificate: certA, random, namespace: "other" }))).toBe(SEALED_ERROR.scopeNeedsName);
  });

  it("merges new items into an existing SealedSecret (kubeseal --merge-into)", () => {
    const original = sealSecret(secret("a", "ns"), { certificate: certA, random });
    const update = sealSecret(secret("a", "ns", { stringData: { extra: "e" } }), { certificate: certA, random });
    const merged = mergeSealedSecrets(original, update);
    expect(Object.keys(merged.spec.encryptedData)).toEqual(["extra", "password"]);
    const opened = unsealSealedSecret(merged, createKeyRing([...keyA, ...keyB]));
    expect(Object.keys(opened.data!)).toEqual(["extra", "password"]);
  });
});

describe("parseSealingCertificate", () => {
  // Found by test/security/fuzz-sealed-secret.test.ts: a certificate whose DER parses but whose key
  // does not (here the RSAPublicKey inside the BIT STRING is damaged) threw a bare OpenSSL Error.
  it("refuses a certificate with an undecodable public key with SEALED_INVALID_CERTIFICATE", async () => {
    const now = Date.UTC(2026, 0, 1);
    const key = await generateSealingKey({ clock: { now: () => now, sleep: () => Promise.resolve() }, random: (n) => new Uint8Array(randomBytes(n)), bits: 2048 });
    const der = Buffer.from(key.certificatePem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
    const spki = parseSealingCertificate(key.certificatePem).publicKey.export({ type: "spki", format: "der" });
    const at = der.indexOf(spki);
    expect(at).toBeGreaterThan(0);
    // SPKI: SEQUENCE { SEQUENCE { OID, NULL } (15 bytes), BIT STRING (5-byte header, 0 unused bits) { SEQUENCE { n, e } } }
    der[at + 4 + 15 + 5] ^= 0x01;
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString("base64")}\n-----END CERTIFICATE-----\n`;
    let caught: unknown;
    try {
      parseSealingCertificate(pem, { file: "cert.pem", now });
    } catch (err) {
      caught = err;
    }
    expect(isSealedSecretsError(caught) && caught.code).toBe(SEALED_ERROR.invalidCertificate);
    expect(caught).toMatchObject({ file: "cert.pem" });
  });

  it("computes the SSH SHA256 fingerprints the key registry uses", () => {
    const expected = JSON.parse(read("expected.json")) as { keys: Record<string, { sshSha256Fingerprint: string }> };
    expect(certA.fingerprint).toBe(expected.keys["key-a.pem"].sshSha256Fingerprint);
    expect(keyB[0].fingerprint).toBe(expected.keys["key-b.pem"].sshSha256Fingerprint);
  });

  it("refuses an expired certificate and a file that is not a certificate", () => {
    expect(codeOf(() => parseSealingCertificate(read("cert-a.pem"), { now: Date.parse("2040-01-01") }))).toBe(SEALED_ERROR.invalidCertificate);
    expect(codeOf(() => parseSealingCertificate("hello"))).toBe(SEALED_ERROR.invalidCertificate);
    expect(codeOf(() => parseSealingCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"))).toBe(SEALED_ERROR.invalidCertificate);
  });
});
