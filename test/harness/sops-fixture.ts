import { randomBytes } from "node:crypto";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { encryptSopsText } from "../../crypto/sops/index.js";

/** A SOPS-encrypted Secret made at test time by our own encryptor, for a fresh age key. */
export interface SopsSecretFixture {
  /** The age identity (`AGE-SECRET-KEY-1…`) that opens it: what a spoke holds in `flotilla-sops-keys`. */
  readonly identity: string;
  readonly recipient: string;
  /** The encrypted manifest, as a Git writer commits it (`encrypted_regex: ^(data|stringData)$`). */
  readonly text: string;
  /** The stringData it decrypts to. */
  readonly stringData: Readonly<Record<string, string>>;
}

export interface MakeSopsSecretOptions {
  readonly name: string;
  readonly namespace?: string | undefined;
  readonly stringData: Readonly<Record<string, string>>;
}

export async function makeSopsSecret(options: MakeSopsSecretOptions): Promise<SopsSecretFixture> {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const lines = ["apiVersion: v1", "kind: Secret", "metadata:", `  name: ${options.name}`];
  if (options.namespace !== undefined) lines.push(`  namespace: ${options.namespace}`);
  lines.push("stringData:", ...Object.entries(options.stringData).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`), "");
  const text = await encryptSopsText(lines.join("\n"), {
    format: "yaml",
    keyGroups: [[{ type: "age", recipient }]],
    rules: { encryptedRegex: "^(data|stringData)$" },
    random: (n) => new Uint8Array(randomBytes(n)),
    clock: { now: () => Date.now() },
  });
  return { identity, recipient, text, stringData: options.stringData };
}
