import { Decrypter, Encrypter, armor, type Identity } from "age-encryption";
import type * as openpgp from "openpgp";
import { sshIdentity, sshRecipient } from "./age-ssh.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";

/** What a KMS service must do for sops (AWS KMS Encrypt/Decrypt). Implemented by aws-kms-client.ts. */
export interface KmsClient {
  encrypt(req: { keyId: string; plaintext: Uint8Array; context?: Readonly<Record<string, string>> | undefined }): Promise<Uint8Array>;
  decrypt(req: { keyId: string; ciphertext: Uint8Array; context?: Readonly<Record<string, string>> | undefined }): Promise<Uint8Array>;
}

/** Where a KMS master key lives; the factory picks credentials, role and endpoint from it. */
export interface KmsKeyLocation {
  readonly arn: string;
  readonly region: string;
  readonly role?: string | undefined;
  readonly awsProfile?: string | undefined;
}

export type KmsClientFactory = (key: KmsKeyLocation) => KmsClient;

/**
 * The private key material a caller hands to decryption (and the public material encryption may
 * need). Strings are the file contents as a user has them: age identity files (comments allowed,
 * several keys per file), OpenSSH/PEM private keys, armored PGP keys.
 */
export interface SopsKeyRing {
  /** `AGE-SECRET-KEY-1…` / `AGE-SECRET-KEY-PQ-1…` lines, or whole identity files. */
  readonly ageIdentities?: readonly string[] | undefined;
  /** OpenSSH (ed25519, RSA) or PEM RSA private keys used as age identities. */
  readonly sshPrivateKeys?: readonly string[] | undefined;
  /** Armored PGP keys: private keys decrypt; public or private keys let encryption find a fingerprint. */
  readonly pgpKeys?: readonly string[] | undefined;
  /** Builds a KMS client for a key; without it, KMS keys are skipped. */
  readonly kms?: KmsClientFactory | undefined;
}

/** openpgp is large; load it only when a PGP key is actually used. */
async function loadOpenpgp(): Promise<typeof openpgp> {
  return import("openpgp");
}

const KNOWN_AGE_STANZAS = new Set(["X25519", "mlkem768x25519", "ssh-ed25519", "ssh-rsa", "scrypt"]);

/** Extracts the identity lines from age key files (comments and blank lines ignored). */
export function parseAgeIdentities(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      if (!/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(line)) {
        throw new SopsError(SOPS_ERROR.invalidKey, "age identity file has a line that is not an AGE-SECRET-KEY-1… identity");
      }
      out.push(line);
    }
  }
  return out;
}

/** A key ring with keys parsed once, reused across values and files. */
export class ResolvedKeyRing {
  readonly #decrypter: Decrypter | undefined;
  readonly #pgpKeys: openpgp.Key[];
  readonly #kms: KmsClientFactory | undefined;
  readonly #kmsClients = new Map<string, KmsClient>();

  private constructor(decrypter: Decrypter | undefined, pgpKeys: openpgp.Key[], kms: KmsClientFactory | undefined) {
    this.#decrypter = decrypter;
    this.#pgpKeys = pgpKeys;
    this.#kms = kms;
  }

  static async from(ring: SopsKeyRing): Promise<ResolvedKeyRing> {
    const identities: (string | Identity)[] = parseAgeIdentities(ring.ageIdentities ?? []);
    for (const ssh of ring.sshPrivateKeys ?? []) identities.push(sshIdentity(ssh));
    let decrypter: Decrypter | undefined;
    if (identities.length > 0) {
      decrypter = new Decrypter();
      for (const id of identities) {
        try {
          decrypter.addIdentity(id);
        } catch {
          throw new SopsError(SOPS_ERROR.invalidKey, "an age identity does not parse");
        }
      }
    }
    const pgpKeys: openpgp.Key[] = [];
    for (const armored of ring.pgpKeys ?? []) {
      try {
        pgpKeys.push(...(await (await loadOpenpgp()).readKeys({ armoredKeys: armored })));
      } catch {
        throw new SopsError(SOPS_ERROR.invalidKey, "a PGP key file does not hold a readable armored key");
      }
    }
    return new ResolvedKeyRing(decrypter, pgpKeys, ring.kms);
  }

  get hasAge(): boolean {
    return this.#decrypter !== undefined;
  }

  /** age: returns null when none of our identities is a recipient of this stanza set. */
  async unwrapAge(enc: string): Promise<Uint8Array | null> {
    let file: Uint8Array;
    try {
      file = armor.decode(enc);
    } catch {
      throw new SopsError(SOPS_ERROR.invalidMetadata, "age enc is not an armored age file");
    }
    const header = Buffer.from(file.subarray(0, Math.min(file.length, 64 * 1024))).toString("latin1");
    const types = [...header.matchAll(/^-> (\S+)/gm)].map((m) => m[1] ?? "");
    if (this.#decrypter === undefined) return null;
    try {
      return await this.#decrypter.decrypt(file);
    } catch (err) {
      if (err instanceof SopsError) throw err;
      const unknown = types.filter((t) => !KNOWN_AGE_STANZAS.has(t));
      if (unknown.length > 0 && unknown.length === types.length) {
        throw new SopsError(SOPS_ERROR.unsupportedKeyType, `unsupported age recipient type "${(unknown[0] ?? "").slice(0, 60)}"`);
      }
      return null;
    }
  }

  /** PGP: returns null when none of our private keys can open the message. */
  async unwrapPgp(enc: string, fingerprint: string): Promise<Uint8Array | null> {
    const keys = this.#pgpKeys.filter((k): k is openpgp.PrivateKey => k.isPrivate());
    if (keys.length === 0) return null;
    const openpgp = await loadOpenpgp();
    let message: openpgp.Message<Uint8Array>;
    try {
      message = await openpgp.readMessage({ armoredMessage: enc });
    } catch {
      throw new SopsError(SOPS_ERROR.invalidMetadata, `pgp enc for ${fingerprint} is not an armored PGP message`);
    }
    try {
      const result = await openpgp.decrypt({ message, decryptionKeys: keys, format: "binary" });
      return result.data as Uint8Array;
    } catch {
      return null;
    }
  }

  async unwrapKms(loc: KmsKeyLocation, enc: string, context: Readonly<Record<string, string>> | undefined): Promise<Uint8Array | null> {
    if (this.#kms === undefined) return null;
    const ciphertext = Buffer.from(enc, "base64");
    try {
      return await this.#kmsClient(loc).decrypt({ keyId: loc.arn, ciphertext, context });
    } catch (err) {
      throw new SopsError(SOPS_ERROR.kmsFailed, `AWS KMS could not decrypt the data key with ${loc.arn}: ${kmsReason(err)}`);
    }
  }

  async wrapKms(loc: KmsKeyLocation, dataKey: Uint8Array, context: Readonly<Record<string, string>> | undefined): Promise<string> {
    if (this.#kms === undefined) throw new SopsError(SOPS_ERROR.kmsFailed, "no KMS client configured");
    try {
      const out = await this.#kmsClient(loc).encrypt({ keyId: loc.arn, plaintext: dataKey, context });
      return Buffer.from(out).toString("base64");
    } catch (err) {
      throw new SopsError(SOPS_ERROR.kmsFailed, `AWS KMS could not encrypt the data key with ${loc.arn}: ${kmsReason(err)}`);
    }
  }

  #kmsClient(loc: KmsKeyLocation): KmsClient {
    const id = `${loc.arn}|${loc.role ?? ""}|${loc.awsProfile ?? ""}`;
    let client = this.#kmsClients.get(id);
    if (client === undefined && this.#kms !== undefined) {
      client = this.#kms(loc);
      this.#kmsClients.set(id, client);
    }
    if (client === undefined) throw new SopsError(SOPS_ERROR.kmsFailed, "no KMS client configured");
    return client;
  }

  /** Armored PGP message of the data key for the key with this fingerprint (public key needed). */
  async wrapPgp(fingerprint: string, dataKey: Uint8Array): Promise<string> {
    const fp = fingerprint.replace(/\s+/g, "").toUpperCase();
    const key = this.#pgpKeys.find((k) => {
      const own = k.getFingerprint().toUpperCase();
      return own === fp || own.endsWith(fp) || k.getSubkeys().some((s) => s.getFingerprint().toUpperCase() === fp);
    });
    if (key === undefined) {
      throw new SopsError(SOPS_ERROR.invalidKey, `no PGP key with fingerprint ${fp.slice(0, 64)} was given (pass it with --pgp-key-file)`);
    }
    const openpgp = await loadOpenpgp();
    const message = await openpgp.createMessage({ binary: dataKey });
    const armored: unknown = await openpgp.encrypt({ message, encryptionKeys: key.toPublic(), format: "armored" });
    if (typeof armored !== "string") throw new SopsError(SOPS_ERROR.invalidKey, "PGP encryption returned no armored message");
    return armored;
  }
}

function kmsReason(err: unknown): string {
  // Only the error class/name: service messages can echo request fields.
  if (err instanceof Error) return err.name === "Error" ? "request failed" : err.name;
  return "request failed";
}

/** Armored age file of the data key for a recipient (`age1…`, `age1pq1…`, `ssh-ed25519 …`, `ssh-rsa …`). */
export async function wrapAge(recipient: string, dataKey: Uint8Array): Promise<string> {
  const enc = new Encrypter();
  try {
    if (recipient.startsWith("ssh-")) enc.addRecipient(sshRecipient(recipient));
    else enc.addRecipient(recipient);
  } catch (err) {
    if (err instanceof SopsError) throw err;
    throw new SopsError(SOPS_ERROR.invalidKey, `age recipient "${recipient.slice(0, 80)}" does not parse`);
  }
  return armor.encode(await enc.encrypt(dataKey));
}

/** The region part of a KMS ARN (`arn:aws:kms:REGION:ACCOUNT:key/…`). */
export function kmsLocation(arn: string, role?: string, awsProfile?: string): KmsKeyLocation {
  const m = /^arn:aws[\w-]*:kms:([^:]+):[0-9]+:(key|alias)\/.+$/.exec(arn);
  if (m === null) throw new SopsError(SOPS_ERROR.invalidKey, `"${arn.slice(0, 120)}" is not an AWS KMS key ARN`);
  return { arn, region: m[1] ?? "", role, awsProfile };
}
