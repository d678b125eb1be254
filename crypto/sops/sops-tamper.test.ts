import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { armor, Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/index.js";
import { decryptSopsText } from "./decrypt.js";
import { encryptSopsText } from "./encrypt.js";
import { ResolvedKeyRing } from "./key-ring.js";
import { isSopsError } from "./sops-errors.js";

// Tamper and MAC cases on files our own encryptor writes with a fresh age key; the same cases on
// files written by the real sops run in test/interop when a fixture pack is given.
const SECRET = "macOnlyEncryptedPlaintextValue1234567890";
const SRC = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: demo\n  labels:\n    enforceOwnership: "true"\nstringData:\n  token: ${SECRET}\n  user: admin\n`;
const random = (n: number): Uint8Array => randomBytes(n);

let identity: string;
let recipient: string;
let otherIdentity: string;
let enc: string;
let macOnly: string;

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  otherIdentity = await generateX25519Identity();
  const base = { format: "yaml" as const, keyGroups: [[{ type: "age" as const, recipient }]], random, clock: { now: () => Date.parse("2026-11-23T10:00:00Z") } };
  enc = await encryptSopsText(SRC, { ...base, rules: { encryptedRegex: "^(data|stringData)$" } });
  macOnly = await encryptSopsText(SRC, { ...base, rules: { encryptedRegex: "^(data|stringData)$", macOnlyEncrypted: true } });
});

const keys = () => ({ ageIdentities: [identity] });

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
    const text = enc.replace(/^ {4}mac: .*\n/m, "").replace(/^ {2}mac: .*\n/m, "");
    expect(text).not.toContain("mac:");
    const err = await failure(decryptSopsText(text, { format: "yaml", keys: keys(), file: "no_mac.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_MAC_MISMATCH", file: "no_mac.yaml", field: "sops.mac" });
    const ok = await decryptSopsText(text, { format: "yaml", keys: keys(), ignoreMac: true });
    expect(ok.macVerified).toBe(false);
  });

  it("an edited plaintext value (unencrypted part) fails the MAC", async () => {
    const edited = enc.replace('enforceOwnership: "true"', 'enforceOwnership: "false"');
    expect(edited).not.toBe(enc);
    const err = await failure(decryptSopsText(edited, { format: "yaml", keys: keys(), file: "03.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_MAC_MISMATCH", file: "03.yaml" });
    expect((await decryptSopsText(edited, { format: "yaml", keys: keys(), ignoreMac: true })).macVerified).toBe(false);
  });

  it("with mac_only_encrypted, the same edit passes and an encrypted value's edit does not", async () => {
    const edited = macOnly.replace('enforceOwnership: "true"', 'enforceOwnership: "false"');
    expect((await decryptSopsText(edited, { format: "yaml", keys: keys() })).macVerified).toBe(true);
    const swapped = macOnly.replace(/(token: )(ENC\[[^\]]+\])([\s\S]*?user: )(ENC\[[^\]]+\])/, "$1$4$3$2");
    expect(swapped).not.toBe(macOnly);
    const err = await failure(decryptSopsText(swapped, { format: "yaml", keys: keys() }));
    expect(["SOPS_VALUE_INTEGRITY_FAILED", "SOPS_MAC_MISMATCH"]).toContain(err.code);
  });

  it("a tampered lastmodified breaks the MAC", async () => {
    const text = enc.replace(/lastmodified: "(\d{4})/, 'lastmodified: "2001');
    expect(text).not.toBe(enc);
    expect((await failure(decryptSopsText(text, { format: "yaml", keys: keys() }))).code).toBe("SOPS_MAC_MISMATCH");
  });
});

describe("bad input names the file and key path", () => {
  it("a value moved to another key fails authentication at that key", async () => {
    const moved = enc.replace(/(token: )(ENC\[[^\]]+\])([\s\S]*?user: )(ENC\[[^\]]+\])/, "$1$4$3$2");
    const err = await failure(decryptSopsText(moved, { format: "yaml", keys: keys(), file: "01.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_VALUE_INTEGRITY_FAILED", file: "01.yaml", field: "stringData.token" });
  });

  it("a malformed ENC[] value", async () => {
    const text = enc.replace(/token: ENC\[AES256_GCM,data:/, "token: ENC[AES256_GCM,data:!!");
    const err = await failure(decryptSopsText(text, { format: "yaml", keys: keys(), file: "a.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_MALFORMED_VALUE", file: "a.yaml", field: "stringData.token" });
  });

  it("the wrong key and no key name the recipient the file wants", async () => {
    for (const k of [{ ageIdentities: [otherIdentity] }, {}]) {
      const err = await failure(decryptSopsText(enc, { format: "yaml", keys: k, file: "a.yaml" }));
      expect(err).toMatchObject({ code: "SOPS_NO_KEY_COULD_DECRYPT", file: "a.yaml" });
      expect(err.message).toContain(recipient);
    }
  });

  it("an unknown key type in the metadata", async () => {
    const swapped = enc
      .replace(/ {2}age:\n(?: {4}.*\n| {8}.*\n)+/, "  age: []\n")
      .replace("sops:\n", 'sops:\n  gcp_kms:\n    - resource_id: projects/p/locations/l/keyRings/r/cryptoKeys/k\n      created_at: "2024-01-01T00:00:00Z"\n      enc: AAAA\n');
    expect(swapped).not.toContain("BEGIN AGE");
    const err = await failure(decryptSopsText(swapped, { format: "yaml", keys: {}, file: "g.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_UNSUPPORTED_KEY_TYPE", file: "g.yaml" });
    expect(err.message).toContain("gcp_kms");
  });

  it("a file that is not sops-encrypted", async () => {
    const err = await failure(decryptSopsText(SRC, { format: "yaml", keys: {}, file: "p.yaml" }));
    expect(err).toMatchObject({ code: "SOPS_METADATA_NOT_FOUND", file: "p.yaml" });
  });

  it("an unknown age stanza type is reported as unsupported", async () => {
    const e = new Encrypter();
    e.addRecipient(recipient);
    const file = Buffer.from(await e.encrypt(new Uint8Array(32)));
    const swapped = Buffer.from(file.toString("latin1").replace("-> X25519", "-> piv-p256"), "latin1");
    const ring = await ResolvedKeyRing.from({ ageIdentities: [identity] });
    await expect(ring.unwrapAge(armor.encode(swapped))).rejects.toMatchObject({
      code: "SOPS_UNSUPPORTED_KEY_TYPE",
      message: expect.stringContaining('unsupported age recipient type "piv-p256"'),
    });
  });
});

describe("no plaintext in errors or logs", () => {
  it("feeds a known plaintext through every failure path", async () => {
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
    const ok = await decryptSopsText(macOnly, { format: "yaml", keys: keys(), logger });
    expect(ok.text).toContain(SECRET);
    const cases = [
      macOnly.replace(/mac: ENC\[[^\]]+\]/, "mac: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]"),
      macOnly.replace(/(token: ENC\[AES256_GCM,data:)(.)/, (_m, a: string, c: string) => a + (c === "A" ? "B" : "A")),
      macOnly.replace(/(token: ENC\[AES256_GCM,data:)/, "$1@"),
      macOnly.replace("lastmodified:", "lastmodified: x\n    old:"),
      `${macOnly}\n: : bad`,
    ];
    const messages: string[] = [];
    for (const text of cases) {
      expect(text).not.toBe(macOnly);
      try {
        await decryptSopsText(text, { format: "yaml", keys: keys(), logger, file: "04.yaml" });
        messages.push("no error");
      } catch (err) {
        expect(isSopsError(err)).toBe(true);
        messages.push(JSON.stringify({ ...(err as object), message: (err as Error).message, stack: (err as Error).stack }));
      }
      await decryptSopsText(text, { format: "yaml", keys: keys(), logger, ignoreMac: true }).catch(() => undefined);
    }
    expect(messages.filter((m) => m === "no error")).toEqual([]);
    for (const m of [...messages, ...lines]) {
      expect(m).not.toContain(SECRET);
      expect(m).not.toContain(Buffer.from(SECRET).toString("base64"));
    }
  });
});
