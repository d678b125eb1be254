import type { Clock } from "../../core/index.js";
import type { ObjectMeta, SealedSecretManifest, SecretManifest, SecretTemplateSpec } from "./manifests.js";
import { SEALED_BY_ANNOTATION, SEALED_SECRET_API_VERSION } from "./manifests.js";
import { decodeSealedValue } from "./hybrid-format.js";
import { hybridDecrypt } from "./open-hybrid-decrypt.js";
import type { KeyRing } from "./open-key-ring.js";
import { isRecord, orderMeta, sortedRecord, stringMap } from "./object-meta.js";
import { renderTemplateItem } from "./render-template-data.js";
import { encryptionLabel, scopeOf, SKIP_OWNER_REFERENCES_ANNOTATION } from "./scope.js";
import { isSealedSecretsError, SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

export interface UnsealOptions {
  /** The file it came from, for error messages. */
  readonly file?: string | undefined;
  /**
   * The owner's uid; when set (or when the SealedSecret carries metadata.uid) the Secret gets the
   * controller's ownerReference. A Secret decrypted from Git has no live owner, so none is added.
   */
  readonly ownerUid?: string | undefined;
  /** Time for Sprig's `now`/`date` in spec.template.data (default: the system clock). */
  readonly clock?: Clock | undefined;
}

export interface UnsealResult {
  readonly secret: SecretManifest;
  /** For each encryptedData item, the fingerprint of the key that opened it. */
  readonly openedBy: Readonly<Record<string, string>>;
}

/** Checks the parts of a SealedSecret that decryption relies on, naming the offending field. */
export function checkSealedSecret(sealed: SealedSecretManifest, file?: string): void {
  const bad = (field: string, message: string): SealedSecretsError =>
    new SealedSecretsError(SEALED_ERROR.invalidManifest, message, { file, field });
  if (!isRecord(sealed)) throw bad("", "not a SealedSecret object");
  if (!isRecord(sealed.metadata)) throw bad("metadata", "missing metadata");
  if (typeof sealed.metadata.name !== "string" || sealed.metadata.name === "") throw bad("metadata.name", "missing metadata.name");
  if (sealed.metadata.namespace !== undefined && typeof sealed.metadata.namespace !== "string") throw bad("metadata.namespace", "must be a string");
  stringMap(sealed.metadata.annotations, "metadata.annotations", file);
  if (!isRecord(sealed.spec)) throw bad("spec", "missing spec");
  if (sealed.spec.data !== undefined && sealed.spec.data !== null && (sealed.spec.encryptedData as unknown) === undefined) {
    throw bad("spec.data", "uses the deprecated 'data' field; re-seal it to per-item 'encryptedData'");
  }
  if (stringMap(sealed.spec.encryptedData, "spec.encryptedData", file) === undefined) throw bad("spec.encryptedData", "missing spec.encryptedData");
  const template: unknown = sealed.spec.template;
  if (template !== undefined && template !== null) {
    if (!isRecord(template)) throw bad("spec.template", "must be an object");
    stringMap(template.data, "spec.template.data", file);
    const meta = template.metadata;
    if (meta !== undefined && meta !== null) {
      if (!isRecord(meta)) throw bad("spec.template.metadata", "must be an object");
      stringMap(meta.labels, "spec.template.metadata.labels", file);
      stringMap(meta.annotations, "spec.template.metadata.annotations", file);
    }
  }
}

/**
 * Upstream `SealedSecret.Unseal`: the label comes from the SealedSecret's own name, namespace and
 * scope annotations, so a renamed or moved file no longer opens. Every item is tried with every key;
 * all item failures are reported together, and nothing is returned unless every item opened.
 */
export function unsealSealedSecretDetailed(sealed: SealedSecretManifest, keyRing: KeyRing, options: UnsealOptions = {}): UnsealResult {
  checkSealedSecret(sealed, options.file);
  const meta = sealed.metadata;
  const namespace = meta.namespace ?? "";
  const name = meta.name ?? "";
  const label = encryptionLabel(namespace, name, scopeOf(meta.annotations));
  const preferred = (meta.annotations?.[SEALED_BY_ANNOTATION] ?? "").split(",").filter((s) => s !== "");
  const items = new Map<string, Uint8Array>();
  const openedBy: Record<string, string> = {};
  const errors: SealedSecretsError[] = [];
  for (const key of Object.keys(sealed.spec.encryptedData).sort()) {
    try {
      const opened = hybridDecrypt(keyRing, decodeSealedValue(sealed.spec.encryptedData[key], key), label, { item: key, preferred });
      items.set(key, opened.plaintext);
      openedBy[key] = opened.fingerprint;
    } catch (err) {
      if (!isSealedSecretsError(err)) throw err;
      errors.push(err);
    }
  }
  const secret = assembleSecret({
    name,
    namespace,
    template: sealed.spec.template ?? undefined,
    items,
    errors,
    file: options.file,
    owner: ownerOf(sealed, options),
    clock: options.clock,
  });
  return { secret, openedBy };
}

/** The Secret a SealedSecret stands for (see unsealSealedSecretDetailed). */
export function unsealSealedSecret(sealed: SealedSecretManifest, keyRing: KeyRing, options: UnsealOptions = {}): SecretManifest {
  return unsealSealedSecretDetailed(sealed, keyRing, options).secret;
}

function ownerOf(sealed: SealedSecretManifest, options: UnsealOptions): { name: string; uid: string } | undefined {
  const uid = options.ownerUid ?? sealed.metadata.uid;
  if (uid === undefined || uid === "") return undefined;
  if (sealed.spec.template?.metadata?.annotations?.[SKIP_OWNER_REFERENCES_ANNOTATION] === "true") return undefined;
  return { name: sealed.metadata.name ?? "", uid };
}

export interface AssembleInput {
  readonly name: string;
  readonly namespace: string;
  readonly template: SecretTemplateSpec | undefined;
  readonly items: ReadonlyMap<string, Uint8Array>;
  readonly errors: readonly SealedSecretsError[];
  readonly file: string | undefined;
  readonly owner?: { readonly name: string; readonly uid: string } | undefined;
  readonly clock?: Clock | undefined;
}

/** Builds the Secret: template metadata, type and immutable; decrypted items; rendered template data. */
export function assembleSecret(input: AssembleInput): SecretManifest {
  const errors = [...input.errors];
  const strings: Record<string, string> = {};
  for (const [key, value] of input.items) strings[key] = Buffer.from(value).toString("utf8");
  const data: Record<string, string> = {};
  for (const [key, value] of input.items) data[key] = Buffer.from(value).toString("base64");
  for (const [key, source] of Object.entries(input.template?.data ?? {})) {
    if (errors.length > 0) break;
    try {
      data[key] = Buffer.from(renderTemplateItem(key, source, strings, input.clock), "utf8").toString("base64");
    } catch (err) {
      if (!isSealedSecretsError(err)) throw err;
      errors.push(err);
    }
  }
  if (errors.length > 0) throw combine(errors, input.file);
  const metadata: ObjectMeta = { ...(input.template?.metadata ?? {}) };
  delete metadata.creationTimestamp;
  metadata.name = input.name;
  if (input.namespace !== "") metadata.namespace = input.namespace;
  else delete metadata.namespace;
  if (input.owner !== undefined) {
    metadata.ownerReferences = [
      { apiVersion: SEALED_SECRET_API_VERSION, kind: "SealedSecret", name: input.owner.name, uid: input.owner.uid, controller: true },
    ];
  }
  const secret: SecretManifest = { apiVersion: "v1", kind: "Secret", metadata: orderMeta(metadata) };
  if (input.template?.immutable !== undefined) secret.immutable = input.template.immutable;
  secret.data = sortedRecord(data);
  if (input.template?.type !== undefined && input.template.type !== "") secret.type = input.template.type;
  return secret;
}

/** One error for all failed items, with the first item's code and file. */
function combine(errors: readonly SealedSecretsError[], file: string | undefined): SealedSecretsError {
  const first = errors[0];
  if (errors.length === 1 && file === undefined) return first;
  const message = errors.map((e) => e.message).join("; ");
  return new SealedSecretsError(first.code, message, { file, field: first.field, item: first.item, cause: first });
}
