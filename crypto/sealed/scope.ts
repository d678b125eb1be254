import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/** How far a sealed value may travel: pinned to ns/name, to a namespace, or anywhere in the cluster. */
export const SEALING_SCOPES = ["strict", "namespace-wide", "cluster-wide"] as const;
export type SealingScope = (typeof SEALING_SCOPES)[number];

export const SCOPE_ANNOTATION = {
  namespaceWide: "sealedsecrets.bitnami.com/namespace-wide",
  clusterWide: "sealedsecrets.bitnami.com/cluster-wide",
} as const;

/** Upstream's opt-out of the ownerReference on the produced Secret. */
export const SKIP_OWNER_REFERENCES_ANNOTATION = "sealedsecrets.bitnami.com/skip-set-owner-references";

export function parseScope(value: string, field = "--scope"): SealingScope {
  if (value === "") return "strict";
  const scope = SEALING_SCOPES.find((s) => s === value);
  if (scope === undefined) {
    throw new SealedSecretsError(SEALED_ERROR.invalidScope, `unknown scope "${value}" (use strict, namespace-wide or cluster-wide)`, {
      field,
    });
  }
  return scope;
}

/** The scope an object declares through its annotations (cluster-wide wins, as upstream). */
export function scopeOf(annotations: Readonly<Record<string, string>> | undefined): SealingScope {
  if (annotations?.[SCOPE_ANNOTATION.clusterWide] === "true") return "cluster-wide";
  if (annotations?.[SCOPE_ANNOTATION.namespaceWide] === "true") return "namespace-wide";
  return "strict";
}

/** The RSA-OAEP label: `ns/name`, `ns`, or empty. Decryption fails unless it matches the sealing label. */
export function encryptionLabel(namespace: string, name: string, scope: SealingScope): string {
  switch (scope) {
    case "cluster-wide":
      return "";
    case "namespace-wide":
      return namespace;
    case "strict":
      return `${namespace}/${name}`;
  }
}

/** Returns a copy of `annotations` whose scope annotations say exactly `scope` (upstream UpdateScopeAnnotations). */
export function withScopeAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  scope: SealingScope,
): Record<string, string> {
  const out: Record<string, string> = { ...annotations };
  delete out[SCOPE_ANNOTATION.namespaceWide];
  delete out[SCOPE_ANNOTATION.clusterWide];
  if (scope === "namespace-wide") out[SCOPE_ANNOTATION.namespaceWide] = "true";
  if (scope === "cluster-wide") out[SCOPE_ANNOTATION.clusterWide] = "true";
  return out;
}
