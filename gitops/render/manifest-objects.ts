import { isNamedByServer, type KubeObject } from "../../kube/kube-object.js";
import { isGeneratedHook } from "../../kube/sync-options.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { isPlainObject } from "../generators/param-utils.js";
import { parseYamlDocuments, type YamlDocument } from "../yaml-documents.js";

/** Kinds that live outside namespaces: the renderer never gives them a namespace. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "PriorityClass",
  "IngressClass",
  "RuntimeClass",
  "CSIDriver",
  "CSINode",
  "VolumeAttachment",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ClusterIssuer",
  "ClusterSecretStore",
  "PodSecurityPolicy",
  "FlowSchema",
  "PriorityLevelConfiguration",
]);

export function isClusterScoped(obj: KubeObject): boolean {
  return CLUSTER_SCOPED.has(obj.kind);
}

/**
 * Encrypted payloads the hub must not change by a single byte: SealedSecrets (and Flotilla's
 * FleetSealedSecrets) and SOPS-encrypted objects (a top-level `sops` block; its MAC covers every
 * value, so even adding a namespace would break decryption). The spoke decrypts them.
 */
export function isEncryptedPassthrough(obj: KubeObject): boolean {
  if (isPlainObject(obj["sops"])) return true;
  return (obj.kind === "SealedSecret" && obj.apiVersion.startsWith("bitnami.com/")) || (obj.kind === "FleetSealedSecret" && obj.apiVersion.startsWith("flotilla.dev/"));
}

/** Deep-freezes parsed manifests: they are shared by every cluster that renders them. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/**
 * Parses one manifest file into Kubernetes objects (multi-document; `kind: List` expanded). Each
 * object needs apiVersion, kind and metadata.name (or, for a hook only, generateName, as Argo CD
 * allows); the error gives the file and the line.
 */
export function parseManifestFile(text: string, file: string): KubeObject[] {
  return documentObjects(parseYamlDocuments(text, file), file);
}

/** The objects of parsed documents (parseManifestFile after the parse). */
export function documentObjects(docs: readonly YamlDocument[], file: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of docs) {
    const items = isListKind(doc.value) ? (doc.value["items"] as unknown[]) : [doc.value];
    items.forEach((item, i) => {
      const field = items.length === 1 && item === doc.value ? `line ${doc.line}` : `line ${doc.line}: items[${i}]`;
      out.push(checkObject(item, file, field));
    });
  }
  return out;
}

function isListKind(value: Record<string, unknown>): boolean {
  return typeof value["kind"] === "string" && value["kind"].endsWith("List") && Array.isArray(value["items"]) && value["apiVersion"] === "v1";
}

function checkObject(value: unknown, file: string, field: string): KubeObject {
  if (!isPlainObject(value)) throw new GitOpsError(GITOPS_ERROR.invalid, "a manifest must be a mapping", { file, field });
  if (typeof value["apiVersion"] !== "string" || value["apiVersion"] === "") {
    throw new GitOpsError(GITOPS_ERROR.invalid, "object has no apiVersion", { file, field });
  }
  if (typeof value["kind"] !== "string" || value["kind"] === "") throw new GitOpsError(GITOPS_ERROR.invalid, "object has no kind", { file, field });
  const meta = value["metadata"];
  if (!isPlainObject(meta)) throw new GitOpsError(GITOPS_ERROR.invalid, `${value["kind"]} has no metadata.name`, { file, field });
  const obj = value as unknown as KubeObject;
  if ((typeof meta["name"] === "string" && meta["name"] !== "") || isGeneratedHook(obj)) return obj;
  if (!isNamedByServer(obj)) throw new GitOpsError(GITOPS_ERROR.invalid, `${value["kind"]} has no metadata.name`, { file, field });
  throw new GitOpsError(GITOPS_ERROR.invalid, `${value["kind"]} has generateName but no metadata.name: only hooks (argocd.argoproj.io/hook) may let the API server name them`, { file, field });
}
