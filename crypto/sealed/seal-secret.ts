import type { RandomSource } from "../../core/index.js";
import type { SealingCertificate } from "./certificate.js";
import { encodeSealedValue, hybridEncrypt } from "./hybrid-format.js";
import {
  SEALED_BY_ANNOTATION,
  SEALED_SECRET_API_VERSION,
  type ObjectMeta,
  type SealedSecretManifest,
  type SecretManifest,
  type SecretTemplateSpec,
} from "./manifests.js";
import { isRecord, orderMeta, sortedRecord, stringMap, templateMetaFromSecret } from "./object-meta.js";
import { encryptionLabel, scopeOf, withScopeAnnotations, type SealingScope } from "./scope.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

export interface SealSecretOptions {
  readonly certificate: SealingCertificate;
  readonly random: RandomSource;
  /** Overrides the scope annotations of the input (kubeseal --scope); default: what the Secret declares. */
  readonly scope?: SealingScope | undefined;
  /** Overrides metadata.name / metadata.namespace (kubeseal --name / --namespace). */
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  /** Accept a Secret with no data (kubeseal --allow-empty-data). */
  readonly allowEmptyData?: boolean | undefined;
  /** Where the Secret came from, for error messages. */
  readonly file?: string | undefined;
}

/** The plaintext items of a Secret: `data` (base64-decoded) then `stringData`, which wins like the API server. */
export function secretItems(secret: SecretManifest, file?: string): Map<string, Uint8Array> {
  const items = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(stringMap(secret.data, "data", file) ?? {})) {
    if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      throw new SealedSecretsError(SEALED_ERROR.invalidManifest, `item "${key}": data value is not valid base64 (use stringData for text)`, {
        file,
        field: `data.${key}`,
        item: key,
      });
    }
    items.set(key, new Uint8Array(Buffer.from(value, "base64")));
  }
  for (const [key, value] of Object.entries(stringMap(secret.stringData, "stringData", file) ?? {})) {
    items.set(key, new Uint8Array(Buffer.from(value, "utf8")));
  }
  return items;
}

/** The Secret as it is about to be sealed: overrides applied, name/namespace checked for the scope. */
export function prepareSecret(secret: SecretManifest, options: Omit<SealSecretOptions, "certificate" | "random">): SecretManifest {
  const file = options.file;
  if (!isRecord(secret) || !isRecord(secret.metadata)) {
    throw new SealedSecretsError(SEALED_ERROR.invalidManifest, "input is not a Secret (no metadata)", { file, field: "metadata" });
  }
  if ((secret as { kind?: unknown }).kind !== undefined && secret.kind !== "Secret") {
    throw new SealedSecretsError(SEALED_ERROR.invalidManifest, `expected kind Secret, found ${String(secret.kind)}`, { file, field: "kind" });
  }
  const metadata: ObjectMeta = { ...secret.metadata };
  if (options.name !== undefined && options.name !== "") metadata.name = options.name;
  if (options.namespace !== undefined && options.namespace !== "") {
    if (typeof metadata.namespace === "string" && metadata.namespace !== "" && metadata.namespace !== options.namespace) {
      throw new SealedSecretsError(
        SEALED_ERROR.scopeNeedsName,
        `namespace mismatch: input secret is in namespace "${metadata.namespace}" but "${options.namespace}" was specified`,
        { file, field: "--namespace" },
      );
    }
    metadata.namespace = options.namespace;
  }
  // As kubeseal: --scope strict is the default and leaves the Secret's own scope annotations alone.
  if (options.scope !== undefined && options.scope !== "strict") metadata.annotations = withScopeAnnotations(metadata.annotations, options.scope);
  if (metadata.annotations !== undefined && Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  stringMap(metadata.annotations, "metadata.annotations", file);
  stringMap(metadata.labels, "metadata.labels", file);
  if (typeof metadata.name !== "string" || metadata.name === "") {
    throw new SealedSecretsError(SEALED_ERROR.scopeNeedsName, "missing metadata.name in input Secret", { file, field: "metadata.name" });
  }
  const scope = scopeOf(metadata.annotations);
  if (scope !== "cluster-wide" && (typeof metadata.namespace !== "string" || metadata.namespace === "")) {
    throw new SealedSecretsError(SEALED_ERROR.scopeNeedsName, `secret must declare a namespace for ${scope} scope (or pass --namespace)`, {
      file,
      field: "metadata.namespace",
    });
  }
  const prepared: SecretManifest = { ...secret, metadata };
  const items = secretItems(prepared, file);
  if (items.size === 0 && options.allowEmptyData !== true) {
    throw new SealedSecretsError(SEALED_ERROR.emptyData, "secret has no data; pass --allow-empty-data if that is intended", { file, field: "data" });
  }
  return prepared;
}

/**
 * Seals every item of a Secret for one key (upstream `NewSealedSecret` + kubeseal's preparation):
 * the template keeps the Secret's metadata (without last-applied copies and owners), each value is
 * a hybrid ciphertext under the scope label, and the result names the sealing key's fingerprint.
 */
export function sealSecret(secret: SecretManifest, options: SealSecretOptions): SealedSecretManifest {
  const prepared = prepareSecret(secret, options);
  const items = secretItems(prepared, options.file);
  const meta = prepared.metadata;
  const name = meta.name ?? "";
  const namespace = meta.namespace ?? "";
  const scope = scopeOf(meta.annotations);
  const encryptedData = sealItems(items, { ...options, label: encryptionLabel(namespace, name, scope) });
  return {
    apiVersion: SEALED_SECRET_API_VERSION,
    kind: "SealedSecret",
    metadata: sealedMetadata({ name, namespace, scope, fingerprints: [options.certificate.fingerprint] }),
    spec: { template: templateFromSecret(prepared), encryptedData },
  };
}

export function sealItems(
  items: ReadonlyMap<string, Uint8Array>,
  options: { readonly certificate: SealingCertificate; readonly random: RandomSource; readonly label: string },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...items.keys()].sort()) {
    out[key] = encodeSealedValue(
      hybridEncrypt({ publicKey: options.certificate.publicKey, plaintext: items.get(key)!, label: options.label, random: options.random }),
    );
  }
  return out;
}

export function templateFromSecret(secret: SecretManifest): SecretTemplateSpec {
  const template: SecretTemplateSpec = { metadata: templateMetaFromSecret(secret.metadata) };
  if (secret.type !== undefined) template.type = secret.type;
  if (secret.immutable !== undefined) template.immutable = secret.immutable;
  return template;
}

export function sealedMetadata(input: {
  readonly name: string;
  readonly namespace: string;
  readonly scope: SealingScope;
  readonly fingerprints: readonly string[];
}): ObjectMeta {
  const annotations = withScopeAnnotations({}, input.scope);
  if (input.fingerprints.length > 0) annotations[SEALED_BY_ANNOTATION] = [...new Set(input.fingerprints)].join(",");
  const meta: ObjectMeta = { name: input.name, creationTimestamp: null };
  if (Object.keys(annotations).length > 0) meta.annotations = sortedRecord(annotations);
  if (input.namespace !== "") meta.namespace = input.namespace;
  return orderMeta(meta);
}

export interface SealRawOptions {
  readonly certificate: SealingCertificate;
  readonly random: RandomSource;
  readonly scope: SealingScope;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly value: Uint8Array;
}

/** `kubeseal --raw`: one value, base64 ciphertext, with the name/namespace its scope needs. */
export function sealRawValue(options: SealRawOptions): string {
  const namespace = options.namespace ?? "";
  const name = options.name ?? "";
  if (options.scope !== "cluster-wide" && namespace === "") {
    throw new SealedSecretsError(SEALED_ERROR.scopeNeedsName, `must provide the --namespace flag with --raw and --scope ${options.scope}`, {
      field: "--namespace",
    });
  }
  if (options.scope === "strict" && name === "") {
    throw new SealedSecretsError(SEALED_ERROR.scopeNeedsName, "must provide the --name flag with --raw and --scope strict", { field: "--name" });
  }
  const label = encryptionLabel(namespace, name, options.scope);
  return encodeSealedValue(hybridEncrypt({ publicKey: options.certificate.publicKey, plaintext: options.value, label, random: options.random }));
}

/**
 * kubeseal --merge-into: items, template labels, annotations and data of `update` replace or join
 * those of `original`; everything else of `original` stays.
 */
export function mergeSealedSecrets(original: SealedSecretManifest, update: SealedSecretManifest): SealedSecretManifest {
  const origTemplate = original.spec.template ?? {};
  const updTemplate = update.spec.template ?? {};
  const origMeta = origTemplate.metadata ?? {};
  const updMeta = updTemplate.metadata ?? {};
  const metadata: ObjectMeta = { ...origMeta };
  const labels = { ...origMeta.labels, ...updMeta.labels };
  const annotations = { ...origMeta.annotations, ...updMeta.annotations };
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  const template: SecretTemplateSpec = { ...origTemplate, metadata: orderMeta(metadata) };
  const data = { ...origTemplate.data, ...updTemplate.data };
  if (Object.keys(data).length > 0) template.data = sortedRecord(data);
  const sealedBy = [original.metadata.annotations?.[SEALED_BY_ANNOTATION], update.metadata.annotations?.[SEALED_BY_ANNOTATION]]
    .flatMap((v) => (v === undefined || v === "" ? [] : v.split(",")))
    .filter((v, i, all) => all.indexOf(v) === i);
  const outerAnnotations = { ...original.metadata.annotations };
  if (sealedBy.length > 0) outerAnnotations[SEALED_BY_ANNOTATION] = sealedBy.join(",");
  return {
    ...original,
    metadata: orderMeta({ ...original.metadata, annotations: sortedRecord(outerAnnotations) }),
    spec: { ...original.spec, template, encryptedData: sortedRecord({ ...original.spec.encryptedData, ...update.spec.encryptedData }) },
  };
}
