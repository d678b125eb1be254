import { randomBytes } from "node:crypto";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptSopsObject, isSopsEncrypted } from "./decrypt.js";
import { encryptSopsText } from "./encrypt.js";
import type { CryptRules } from "./crypt-rules.js";
import type { SopsKeyRing } from "./key-ring.js";
import { isSopsError } from "./sops-errors.js";

// What a Git writer can do to a SOPS-encrypted manifest without the key: delete or damage any part
// of the metadata, edit the encryption rules so values are skipped, or paste ciphertext where no
// metadata covers it. Each must end in a clear error, never in an object with ciphertext inside.

const PASSWORD = "tamper-db-password-93be1";
type Obj = Record<string, unknown> & { sops: Record<string, unknown> };

let keys: SopsKeyRing;
let recipient: string;

beforeAll(async () => {
  const identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
  keys = { ageIdentities: [identity] };
});

async function encrypted(rules?: CryptRules, extra: Record<string, unknown> = {}): Promise<Obj> {
  const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "app" }, type: "Opaque", stringData: { password: PASSWORD }, ...extra };
  const text = await encryptSopsText(JSON.stringify(secret), {
    format: "json",
    keyGroups: [[{ type: "age", recipient }]],
    rules,
    random: (n) => new Uint8Array(randomBytes(n)),
    clock: { now: () => Date.parse("2025-01-02T03:04:05Z") },
  });
  return JSON.parse(text) as Obj;
}

async function failure(obj: unknown): Promise<{ code: string; field: string | undefined; message: string }> {
  expect(isSopsEncrypted(obj)).toBe(true);
  try {
    const out = await decryptSopsObject(obj, keys);
    throw new Error(`decrypted: ${JSON.stringify(out)}`);
  } catch (err) {
    if (!isSopsError(err)) throw err;
    expect(err.message).not.toContain(PASSWORD);
    return { code: err.code, field: err.field, message: err.message };
  }
}

const REGEX: CryptRules = { encryptedRegex: "^(data|stringData)$" };

describe("SOPS objects a Git writer tampered with", () => {
  it("the untouched file decrypts (the baseline)", async () => {
    const obj = await encrypted(REGEX);
    expect(JSON.stringify(obj)).not.toContain(PASSWORD);
    expect(await decryptSopsObject(obj, keys)).toMatchObject({ stringData: { password: PASSWORD } });
  });

  it("sops.mac deleted, emptied, nulled or replaced: SOPS_MAC_MISMATCH", async () => {
    const other = await encrypted(REGEX);
    for (const mac of [undefined, "", null, other.sops.mac]) {
      const obj = await encrypted(REGEX);
      if (mac === undefined) delete obj.sops.mac;
      else obj.sops.mac = mac;
      expect(await failure(obj), String(mac)).toMatchObject({ code: "SOPS_MAC_MISMATCH", field: "sops.mac" });
    }
  });

  it("the whole sops block deleted: ciphertext without metadata is refused, naming the value", async () => {
    const obj: Record<string, unknown> = await encrypted(REGEX);
    delete obj.sops;
    expect(await failure(obj)).toMatchObject({ code: "SOPS_METADATA_NOT_FOUND", field: "stringData.password" });
  });

  it("a sops entry that is not a mapping, or has no key groups", async () => {
    for (const sops of [null, "x", []]) {
      const obj = { ...(await encrypted(REGEX)), sops };
      expect((await failure(obj)).code, JSON.stringify(sops)).toBe("SOPS_INVALID_METADATA");
    }
    const noKeys = await encrypted(REGEX);
    delete noKeys.sops.age;
    expect((await failure(noKeys)).code).toBe("SOPS_INVALID_METADATA");
  });

  it("mac_only_encrypted toggled either way: SOPS_MAC_MISMATCH", async () => {
    const on = await encrypted({ ...REGEX, macOnlyEncrypted: true });
    on.sops.mac_only_encrypted = false;
    expect((await failure(on)).code).toBe("SOPS_MAC_MISMATCH");
    const off = await encrypted(REGEX);
    off.sops.mac_only_encrypted = true;
    expect((await failure(off)).code).toBe("SOPS_MAC_MISMATCH");
  });

  it("rules edited so the encrypted value is skipped: refused, never passed through", async () => {
    const regex = await encrypted(REGEX);
    regex.sops.encrypted_regex = "^nothing$";
    expect((await failure(regex)).code).toBe("SOPS_MAC_MISMATCH");
    const suffix = await encrypted();
    suffix.sops.unencrypted_suffix = "word";
    expect((await failure(suffix)).code).toBe("SOPS_MAC_MISMATCH");
    const onlyEncrypted = await encrypted({ ...REGEX, macOnlyEncrypted: true });
    onlyEncrypted.sops.encrypted_regex = "^nothing$";
    expect((await failure(onlyEncrypted)).code).toBe("SOPS_MAC_MISMATCH");
  });

  it("ciphertext pasted where the rules do not reach (mac_only_encrypted): SOPS_VALUE_NOT_DECRYPTED", async () => {
    const donor = await encrypted(REGEX);
    const obj = await encrypted({ ...REGEX, macOnlyEncrypted: true });
    (obj.metadata as Record<string, unknown>).annotations = { copied: (donor.stringData as Record<string, string>).password };
    expect(await failure(obj)).toMatchObject({ code: "SOPS_VALUE_NOT_DECRYPTED", field: "metadata.annotations.copied" });
  });

  it("ENC[] values in an object with no sops block at all are detected and refused", async () => {
    const donor = await encrypted(REGEX);
    const plain = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { items: [{ v: (donor.stringData as Record<string, string>).password }] } };
    expect(await failure(plain)).toMatchObject({ code: "SOPS_METADATA_NOT_FOUND", field: "data.items[0].v" });
  });

  it("a partially encrypted file (rules leave some values plain) decrypts", async () => {
    const obj = await encrypted(REGEX, { data: { note: Buffer.from("plain").toString("base64") } });
    expect(await decryptSopsObject(obj, keys)).toMatchObject({ stringData: { password: PASSWORD }, metadata: { name: "db" } });
  });

  it("plain objects are not SOPS objects", () => {
    expect(isSopsEncrypted({ apiVersion: "v1", kind: "ConfigMap", data: { a: "ENC[not really" } })).toBe(false);
    expect(isSopsEncrypted({ apiVersion: "v1", kind: "ConfigMap", data: { a: "b" } })).toBe(false);
  });
});
