// Fuzzing SealedSecret and FleetSealedSecret as the spoke opens them (crypto/sealed unseal, straight
// from the bundle) and as the CLI reads them (crds parse, then unseal; manifest YAML text). The
// insider commits a manifest to the fleet repo: damaged ciphertext, fields removed or retyped,
// prototype keys, hostile spec.template.data. Every failure is a SEALED_* or CRD_INVALID code,
// and no error message carries a decrypted value. Keys are generated here (RSA-2048 for speed).
import { randomBytes } from "node:crypto";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { CRD_ERROR, parseFleetSealedSecret, parseSealedSecret } from "../../crds/index.js";
import { createKeyRing, generateSealingKey, recoverFleetSealedSecret, unsealFleetSealedSecret, unsealSealedSecret, type KeyRing } from "../../crypto/open.js";
import {
  SEALED_ERROR,
  parseManifests,
  parseSealingCertificate,
  sealFleetSecret,
  sealSecret,
  type FleetSealedSecretManifest,
  type SealedSecretManifest,
  type SecretManifest,
} from "../../crypto/seal.js";
import {
  applyMutation,
  bounds,
  byteDamage,
  damageBytes,
  damageText,
  materialize,
  mutation,
  outcome,
  outcomeAsync,
  splicedTemplate,
} from "./fuzz-support.js";

const CODES = [...Object.values(SEALED_ERROR), ...Object.values(CRD_ERROR)];
const SECRET_VALUES = ["fuzz-plaintext-password-1", "fuzz-plaintext-token-22"];
const clock = { now: () => Date.UTC(2026, 0, 1), sleep: () => Promise.resolve() };

let ring: KeyRing;
let sealed: SealedSecretManifest;
let fleet: FleetSealedSecretManifest;
let identity: string;
let certificatePem: string;

beforeAll(async () => {
  const key = await generateSealingKey({ clock, random: (n) => randomBytes(n), bits: 2048 });
  ring = createKeyRing([key.key]);
  certificatePem = key.certificatePem;
  const certificate = parseSealingCertificate(key.certificatePem, { now: clock.now() });
  const secret: SecretManifest = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "web", labels: { app: "web" } },
    type: "Opaque",
    stringData: { password: SECRET_VALUES[0], token: SECRET_VALUES[1] },
  };
  sealed = sealSecret(secret, { certificate, random: (n) => randomBytes(n) });
  sealed.spec.template = { ...sealed.spec.template, data: { dsn: "postgres://u:{{ .password }}@db/{{ .token | upper }}" } };
  identity = await generateX25519Identity();
  fleet = await sealFleetSecret(secret, { targets: [{ cluster: "eu-1", certificate }], random: (n) => randomBytes(n), recoveryRecipient: await identityToRecipient(identity) });
}, 60_000);

function expectNoPlaintext(call: () => unknown): void {
  try {
    call();
  } catch (err) {
    for (const value of SECRET_VALUES) expect(String((err as Error).message)).not.toContain(value);
  }
}

/** Both readers of a SealedSecret: the spoke (object from the bundle) and the CLI (CRD parse first). */
function openBoth(manifest: unknown): void {
  outcome(() => unsealSealedSecret(manifest as SealedSecretManifest, ring), CODES);
  outcome(() => unsealSealedSecret(parseSealedSecret(manifest) as SealedSecretManifest, ring), CODES);
  expectNoPlaintext(() => unsealSealedSecret(manifest as SealedSecretManifest, ring));
}

describe("fuzz: SealedSecret", () => {
  it("the sealed fixture opens (the baseline the mutations start from)", () => {
    const secret = unsealSealedSecret(sealed, ring);
    expect(Buffer.from(secret.data?.dsn ?? "", "base64").toString()).toBe(`postgres://u:${SECRET_VALUES[0]}@db/${SECRET_VALUES[1].toUpperCase()}`);
  });

  it("a damaged ciphertext fails with a code and never opens to something else", () => {
    fc.assert(
      fc.property(fc.constantFrom("password", "token"), byteDamage, (item, d) => {
        const damaged = structuredClone(sealed);
        const bytes = Buffer.from(damaged.spec.encryptedData[item], "base64");
        damaged.spec.encryptedData[item] = Buffer.from(damageBytes(bytes, d)).toString("base64");
        const secret = outcome(() => unsealSealedSecret(damaged, ring), CODES);
        if (secret !== undefined) expect(secret.data).toEqual(unsealSealedSecret(sealed, ring).data);
      }),
      bounds(200, 1_000),
    );
  });

  it("a mutated manifest (field removed, retyped, huge, deep, __proto__) fails with a code or opens", () => {
    fc.assert(
      fc.property(mutation, (m) => {
        openBoth(materialize(applyMutation(sealed, m)));
      }),
      bounds(300, 1_000),
    );
  });

  it("hostile spec.template.data fails with SEALED_TEMPLATE_FAILED or renders, never leaking an item", () => {
    fc.assert(
      fc.property(splicedTemplate("{{ .password }}:{{ .token }}"), (source) => {
        const manifest = structuredClone(sealed);
        manifest.spec.template = { ...manifest.spec.template, data: { out: source } };
        openBoth(manifest);
      }),
      bounds(200, 1_000),
    );
  });

  it("damaged manifest text fails with a code when the CLI reads it", () => {
    const text = stringify(sealed);
    fc.assert(
      fc.property(byteDamage, (d) => {
        const docs = outcome(() => parseManifests(damageText(text, d), "s.yaml"), CODES);
        for (const doc of docs ?? []) openBoth(doc);
      }),
      bounds(200, 1_000),
    );
  });
});

describe("fuzz: sealing certificate (a spoke's Hello, served by the hub to `seal --hub`)", () => {
  it("a damaged certificate PEM fails with SEALED_INVALID_CERTIFICATE or parses", () => {
    fc.assert(
      fc.property(byteDamage, fc.boolean(), (d, inDer) => {
        const der = Buffer.from(certificatePem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
        const pem = inDer
          ? `-----BEGIN CERTIFICATE-----\n${Buffer.from(damageBytes(der, d)).toString("base64")}\n-----END CERTIFICATE-----\n`
          : damageText(certificatePem, d);
        const cert = outcome(() => parseSealingCertificate(pem, { now: clock.now() }), CODES);
        // A flipped bit in the modulus parses as another key: certificates are not authenticated
        // (docs/security-model.md § Known limits, "Sealing certificates are not pinned").
        if (cert !== undefined) expect(cert.fingerprint).toMatch(/^SHA256:/);
      }),
      bounds(300, 1_000),
    );
  });
});

describe("fuzz: FleetSealedSecret", () => {
  it("a mutated FleetSealedSecret fails with a code or opens this cluster's entry", () => {
    fc.assert(
      fc.property(mutation, fc.constantFrom("eu-1", "us-1", "__proto__", "constructor"), (m, cluster) => {
        const manifest = materialize(applyMutation(fleet, m)) as FleetSealedSecretManifest;
        outcome(() => unsealFleetSealedSecret(manifest, cluster, ring), CODES);
        outcome(() => unsealFleetSealedSecret(parseFleetSealedSecret(manifest) as FleetSealedSecretManifest, cluster, ring), CODES);
      }),
      bounds(300, 1_000),
    );
  });

  it("offline recovery of a mutated FleetSealedSecret fails with a code or opens", async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const manifest = materialize(applyMutation(fleet, m)) as FleetSealedSecretManifest;
        await outcomeAsync(() => recoverFleetSealedSecret(manifest, identity), CODES);
      }),
      bounds(150, 1_000),
    );
  });
});
