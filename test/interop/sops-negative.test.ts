import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/index.js";
import { interopFixturePath } from "../harness/index.js";
import { decryptSopsText } from "../../crypto/sops/decrypt.js";
import { encryptSopsText } from "../../crypto/sops/encrypt.js";
import { isSopsError } from "../../crypto/sops/sops-errors.js";
import type { SopsKeyRing } from "../../crypto/sops/key-ring.js";

const read = (...p: string[]): string => readFileSync(interopFixturePath("sops", ...p), "utf8");
const isindirKey: SopsKeyRing = { ageIdentities: [read("isindir-sops-secrets-operator", "key-file.txt")] };
const pgpKey: SopsKeyRing = { pgpKeys: [read("getsops-sops", "sops_functional_tests_key.asc")] };

async function failure(p: Promise<unknown>): Promise<{ code: string; file?: string; field?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (!isSopsError(err)) throw err;
    return { code: err.code, file: err.file, field: err.field, message: err.message };
  }
  throw new Error("expected a failure");
}

describe("MAC verification", () => {
  it("a file without a MAC fails unless ignoreMac", async () => {
    const text = read("getsops-sops", "functional-tests-no_mac.yaml");
    const err = await failure(decryptSopsText(text, { format: "yaml", keys: pgpKey, file: "no_mac.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_MAC_MISMATCH", file: "no_mac.yaml", field: "sops.mac" });
    const ok = await decryptSopsText(text, { format: "yaml", keys: pgpKey, ignoreMac: true });
    expect(ok.macVerified).toBe(false);
  });

  it("an edited plaintext value (unencrypted part) fails the MAC", async () => {
    const text = read("isindir-sops-secrets-operator", "03-test-secrets-enforce-ownership.yaml");
    expect(text).toContain("enforceOwnership: true");
    const edited = text.replace("enforceOwnership: true", "enforceOwnership: false");
    const err = await failure(decryptSopsText(edited, { format: "yaml", keys: isindirKey, file: "03.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_MAC_MISMATCH", file: "03.yaml" });
    const ignored = await decryptSopsText(edited, { format: "yaml", keys: isindirKey, ignoreMac: true });
    expect(ignored.macVerified).toBe(false);
  });

  it("a tampered lastmodified breaks the MAC", async () => {
    const text = read("flux-kustomize-controller", "algorithms-age.yaml").replace(/lastmodified: "(\d{4})/, 'lastmodified: "2001');
    const err = await failure(decryptSopsText(text, { format: "yaml", keys: { ageIdentities: [read("flux-kustomize-controller", "keys-age.txt")] } }));
    expect(err.code).toBe("SOPS_MAC_MISMATCH");
  });
});

describe("bad input names the file and key path", () => {
  it("the corrupted 01 fixture fails authentication at spec.secretTemplates.stringData.username", async () => {
    const err = await failure(
      decryptSopsText(read("isindir-sops-secrets-operator", "01-test-secrets.yaml"), { format: "yaml", keys: isindirKey, file: "01.yaml" }),
    );
    expect(err).toEqual(
      expect.objectContaining({ code: "SOPS_VALUE_INTEGRITY_FAILED", file: "01.yaml", field: "spec.secretTemplates.stringData.username" }),
    );
  });

  it("a malformed ENC[] value", async () => {
    const text = read("flux-kustomize-controller", "algorithms-age.yaml").replace(/key: ENC\[AES256_GCM,data:/, "key: ENC[AES256_GCM,data:!!");
    const err = await failure(decryptSopsText(text, { format: "yaml", keys: { ageIdentities: [read("flux-kustomize-controller", "keys-age.txt")] }, file: "a.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_MALFORMED_VALUE", file: "a.yaml", field: "stringData.key" });
  });

  it("the wrong key and no key", async () => {
    const text = read("flux-kustomize-controller", "algorithms-age.yaml");
    for (const keys of [{ ageIdentities: [read("humphd-sops-age", "key.txt")] }, {}]) {
      const err = await failure(decryptSopsText(text, { format: "yaml", keys, file: "a.yaml" }));
      expect(err.code).toBe("SOPS_NO_KEY_COULD_DECRYPT");
      expect(err.file).toBe("a.yaml");
      expect(err.message).toContain("age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29");
    }
  });

  it("an unknown key type in the metadata", async () => {
    const swapped = read("flux-kustomize-controller", "algorithms-age.yaml")
      .replace("  gcp_kms: []\n", '  gcp_kms:\n    - resource_id: projects/p/locations/l/keyRings/r/cryptoKeys/k\n      created_at: "2024-01-01T00:00:00Z"\n      enc: AAAA\n')
      .replace(/ {2}age:\n(?: {4}.*\n)+/, "  age: []\n");
    expect(swapped).toContain("gcp_kms:\n");
    expect(swapped).not.toContain("BEGIN AGE");
    const err = await failure(decryptSopsText(swapped, { format: "yaml", keys: {}, file: "g.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_UNSUPPORTED_KEY_TYPE", file: "g.yaml" });
    expect(err.message).toContain("gcp_kms");
  });

  it("a file that is not sops-encrypted", async () => {
    const err = await failure(decryptSopsText(read("getsops-sops", "functional-tests-plainfile.yaml"), { format: "yaml", keys: {}, file: "p.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_METADATA_NOT_FOUND", file: "p.yaml" });
  });
});

describe("age via SSH keys and post-quantum", () => {
  it("ssh-ed25519 age stanzas unwrap with an OpenSSH key", async () => {
    const { ResolvedKeyRing } = await import("../../crypto/sops/key-ring.js");
    const ring = await ResolvedKeyRing.from({ sshPrivateKeys: [read("getsops-sops", "age-unit-ssh-ed25519-identity")] });
    const out = await ring.unwrapAge(read("getsops-sops", "age-unit-encrypted-datakey-ssh.age.asc"));
    expect(Buffer.from(out ?? []).toString()).toBe("data");
  });

  it("an SSH recipient encrypts a file that the SSH private key decrypts", async () => {
    const recipient = read("getsops-sops", "age-unit-ssh-ed25519-identity.pub").trim().split(" ").slice(0, 2).join(" ");
    const enc = await encryptSopsText("a: secret-value\n", {
      format: "yaml",
      keyGroups: [[{ type: "age", recipient }]],
      random: (n) => new Uint8Array(n).map(() => Math.floor(Math.random() * 256)),
      clock: { now: () => 0 },
    });
    expect(enc).toContain(`recipient: ${recipient}`);
    const dec = await decryptSopsText(enc, { format: "yaml", keys: { sshPrivateKeys: [read("getsops-sops", "age-unit-ssh-ed25519-identity")] } });
    expect(dec.data).toEqual({ a: "secret-value" });
  });

  it("the PQ hybrid (mlkem768x25519) fixture decrypts with age-encryption's hybrid identity", async () => {
    const dec = await decryptSopsText(read("flux-kustomize-controller", "algorithms-age-pq.yaml"), {
      format: "yaml",
      keys: { ageIdentities: [read("flux-kustomize-controller", "keys-age-pq.txt")] },
    });
    expect(dec.data).toMatchObject({ stringData: { key: "value" } });
  });

  it("an unknown age stanza type is reported as unsupported", async () => {
    const { armor } = await import("age-encryption");
    const file = Buffer.from(armor.decode(read("getsops-sops", "age-unit-encrypted-datakey.age.asc")));
    const swapped = Buffer.from(file.toString("latin1").replace("-> X25519", "-> piv-p256"), "latin1");
    const { ResolvedKeyRing } = await import("../../crypto/sops/key-ring.js");
    const ring = await ResolvedKeyRing.from({ ageIdentities: [read("getsops-sops", "age-unit-identity.txt")] });
    await expect(ring.unwrapAge(armor.encode(swapped))).rejects.toMatchObject({
      code: "SOPS_UNSUPPORTED_KEY_TYPE",
      message: expect.stringContaining('unsupported age recipient type "piv-p256"'),
    });
  });
});

describe("no plaintext in errors or logs", () => {
  it("feeds a known plaintext through every failure path", async () => {
    const secret = "macOnlyEncryptedPlaintextValue1234567890";
    const src = read("isindir-sops-secrets-operator", "04-test-secrets-mac-only.yaml");
    const lines: string[] = [];
    const logger = createLogger({
      level: "debug",
      destination: new Writable({
        write(chunk: Buffer, _e, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    });
    const key = { ageIdentities: [read("isindir-sops-secrets-operator", "key-file.txt")] };
    const ok = await decryptSopsText(src, { format: "yaml", keys: key, logger });
    expect(ok.text).toContain(secret);
    const cases = [
      src.replace(/mac: ENC\[[^\]]+\]/, "mac: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]"),
      src.replace(/(token: ENC\[AES256_GCM,data:)(.)/, (_m, a: string, c: string) => a + (c === "A" ? "B" : "A")),
      src.replace(/(token: ENC\[AES256_GCM,data:)/, "$1@"),
      src.replace("lastmodified:", "lastmodified: x\n    old:"),
      `${src}\n: : bad`,
    ];
    const messages: string[] = [];
    for (const text of cases) {
      try {
        await decryptSopsText(text, { format: "yaml", keys: key, logger, file: "04.yaml" });
        messages.push("no error");
      } catch (err) {
        expect(isSopsError(err)).toBe(true);
        messages.push(JSON.stringify({ ...(err as object), message: (err as Error).message, stack: (err as Error).stack }));
      }
      await decryptSopsText(text, { format: "yaml", keys: key, logger, ignoreMac: true }).catch(() => undefined);
    }
    expect(messages.filter((m) => m === "no error")).toEqual([]);
    for (const m of [...messages, ...lines]) expect(m).not.toContain(secret);
  });
});
