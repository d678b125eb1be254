import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../test/harness/fixtures.js";
import { parseManifests } from "./manifest-io.js";
import type { SealedSecretManifest } from "./manifests.js";
import { createKeyRing } from "./open-key-ring.js";
import { parsePrivateKeys } from "./open-private-keys.js";
import { unsealSealedSecret, unsealSealedSecretDetailed } from "./open-unseal.js";
import { isSealedSecretsError, SEALED_ERROR } from "./sealed-errors.js";

const read = (name: string): string => readFileSync(fixturePath("sealed-secrets", name), "utf8");
interface Expected {
  keys: Record<string, { sshSha256Fingerprint: string }>;
  sealedSecrets: Record<string, { decryptWith: string[]; expectedSecret?: unknown; expectError?: string }>;
}
const expected = JSON.parse(read("expected.json")) as Expected;
const keyA = parsePrivateKeys(read("key-a.pem"), { file: "key-a.pem" });
const keyB = parsePrivateKeys(read("key-b.pem"), { file: "key-b.pem" });
const sealedFile = (name: string): SealedSecretManifest => parseManifests(read(name), name)[0] as unknown as SealedSecretManifest;

describe("unsealSealedSecret against the interop fixtures", () => {
  const positives = Object.entries(expected.sealedSecrets).filter(([name, e]) => e.expectedSecret !== undefined && name !== "template.sealedsecret.yaml");
  it.each(positives)("%s decrypts to expected.json", (name, e) => {
    const ring = createKeyRing([...keyA, ...keyB]);
    expect(unsealSealedSecret(sealedFile(name), ring, { file: name })).toEqual(e.expectedSecret);
  });

  it("needs both keys for the multi-key vector, and says which key opened which item", () => {
    const name = "multi-key.sealedsecret.yaml";
    const onlyA = createKeyRing(keyA);
    expect(() => unsealSealedSecret(sealedFile(name), onlyA)).toThrow(/no key could decrypt secret \(item "old"\)/);
    const both = unsealSealedSecretDetailed(sealedFile(name), createKeyRing([...keyB, ...keyA]));
    expect(both.openedBy).toEqual({ new: expected.keys["key-a.pem"].sshSha256Fingerprint, old: expected.keys["key-b.pem"].sshSha256Fingerprint });
  });

  it.each(["negative-renamed.sealedsecret.yaml", "negative-missing-scope-annotation.sealedsecret.yaml"])("%s fails with SEALED_NO_KEY_COULD_DECRYPT", (name) => {
    const ring = createKeyRing([...keyA, ...keyB]);
    let caught: unknown;
    try {
      unsealSealedSecret(sealedFile(name), ring, { file: name });
    } catch (err) {
      caught = err;
    }
    expect(isSealedSecretsError(caught) && caught.code).toBe(SEALED_ERROR.noKeyCouldDecrypt);
    expect((caught as Error).message).toBe(expected.sealedSecrets[name].expectError);
    expect(caught).toMatchObject({ file: name });
  });

  it("adds the controller's ownerReference only when the owner's uid is known", () => {
    const secret = unsealSealedSecret(sealedFile("strict.sealedsecret.yaml"), createKeyRing(keyA), { ownerUid: "u-1" });
    expect(secret.metadata.ownerReferences).toEqual([{ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", name: "mysecret", uid: "u-1", controller: true }]);
  });

  it("does no RSA operation when the same ciphertexts are opened again (warm resync)", () => {
    const ops: string[] = [];
    const ring = createKeyRing([...keyA, ...keyB], { onPrivateOperation: (fp) => ops.push(fp) });
    unsealSealedSecret(sealedFile("strict.sealedsecret.yaml"), ring);
    const cold = ring.privateOperations;
    expect(cold).toBe(5);
    expect(ops).toHaveLength(5);
    unsealSealedSecret(sealedFile("strict.sealedsecret.yaml"), ring);
    expect(ring.privateOperations).toBe(cold);
  });
});

describe("spec.template.data", () => {
  it("renders the template vector like the controller (template wins, sees decrypted values)", () => {
    const name = "template.sealedsecret.yaml";
    expect(unsealSealedSecret(sealedFile(name), createKeyRing(keyA), { file: name })).toEqual(expected.sealedSecrets[name].expectedSecret);
  });

  it("uses the injected clock for Sprig's now", () => {
    const base = sealedFile("template.sealedsecret.yaml");
    const dated: SealedSecretManifest = { ...base, spec: { ...base.spec, template: { ...base.spec.template, data: { year: '{{ now | date "2006" }}' } } } };
    const clock = { now: () => Date.parse("2031-05-01T00:00:00Z"), sleep: () => Promise.resolve() };
    expect(unsealSealedSecret(dated, createKeyRing(keyA), { clock }).data?.year).toBe(Buffer.from("2031").toString("base64"));
  });

  it("fails with SEALED_TEMPLATE_FAILED naming the item, never echoing a decrypted value", () => {
    const base = sealedFile("template.sealedsecret.yaml");
    const leaky: SealedSecretManifest = { ...base, spec: { ...base.spec, template: { ...base.spec.template, data: { dsn: "{{ fail .password }}" } } } };
    let caught: unknown;
    try {
      unsealSealedSecret(leaky, createKeyRing(keyA), { file: "t.yaml" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: SEALED_ERROR.template, file: "t.yaml", item: "dsn" });
    expect((caught as Error).message).toMatch(/^spec\.template\.data\.dsn: template failed at line 1, column 3$/);
    // "p@ss" is the decrypted password of the template vector.
    expect((caught as Error).message).not.toContain("p@ss");
    const unknownFn: SealedSecretManifest = { ...base, spec: { ...base.spec, template: { ...base.spec.template, data: { x: "{{ env \"HOME\" }}" } } } };
    expect(() => unsealSealedSecret(unknownFn, createKeyRing(keyA))).toThrow(/function "env" not defined/);
  });
});
