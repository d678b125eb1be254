import { armor, Decrypter, Encrypter } from "age-encryption";
import { stringify } from "yaml";
import { errorMessage } from "../../core/index.js";
import type { SealingPrivateKey } from "./open-key-ring.js";
import { sealingKeyList, type SealingKeySecretOptions } from "./open-key-secret.js";
import { parsePrivateKeys } from "./open-private-keys.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/**
 * Encrypts the key Secrets (as the List `kubeseal --recovery-private-key` reads) to age recipients,
 * ASCII-armored. age draws its file key from WebCrypto's CSPRNG.
 */
export async function backupKeys(
  keys: readonly SealingPrivateKey[],
  recipients: readonly string[],
  options: SealingKeySecretOptions = {},
): Promise<string> {
  if (recipients.length === 0) throw new SealedSecretsError(SEALED_ERROR.backupFailed, "at least one age recipient is needed", { field: "--recipient" });
  const encrypter = new Encrypter();
  for (const [i, recipient] of recipients.entries()) {
    try {
      encrypter.addRecipient(recipient.trim());
    } catch (err) {
      throw new SealedSecretsError(SEALED_ERROR.backupFailed, `not an age recipient (${errorMessage(err)})`, { field: `--recipient[${i}]`, cause: err });
    }
  }
  const list = stringify(sealingKeyList(keys, options), { lineWidth: 0 });
  return armor.encode(await encrypter.encrypt(list));
}

export interface RestoredKeys {
  /** The decrypted key List, ready for `kubectl apply -f -`. Contains private keys: never log it. */
  readonly listYaml: string;
  readonly keys: SealingPrivateKey[];
}

/** Opens a backup with age identities (`AGE-SECRET-KEY-1…` lines; comments and blank lines are skipped). */
export async function restoreKeys(armored: string, identities: string, options: { readonly file?: string } = {}): Promise<RestoredKeys> {
  const decrypter = new Decrypter();
  const lines = identities.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length === 0) throw new SealedSecretsError(SEALED_ERROR.backupFailed, "no age identity found", { field: "--identity" });
  for (const line of lines) {
    try {
      decrypter.addIdentity(line);
    } catch (err) {
      throw new SealedSecretsError(SEALED_ERROR.backupFailed, "not an age identity", { field: "--identity", cause: new Error(errorMessage(err).slice(0, 80)) });
    }
  }
  let listYaml: string;
  try {
    const bytes = armored.includes("-----BEGIN AGE ENCRYPTED FILE-----") ? armor.decode(armored.trim()) : new Uint8Array(Buffer.from(armored, "binary"));
    listYaml = await decrypter.decrypt(bytes, "text");
  } catch (err) {
    throw new SealedSecretsError(SEALED_ERROR.backupFailed, `cannot decrypt the key backup (${errorMessage(err)})`, { file: options.file, cause: err });
  }
  return { listYaml, keys: parsePrivateKeys(listYaml, { file: options.file }) };
}
