import type { KubeObject } from "../kube/kube-object.js";

const MASK = "++++++++";

function isSecret(o: KubeObject | undefined): boolean {
  return o !== undefined && o.kind === "Secret" && (o.apiVersion === "v1" || o.apiVersion === undefined);
}

function maskMap(values: unknown, other: unknown, right: boolean): Record<string, string> | undefined {
  if (typeof values !== "object" || values === null) return undefined;
  const theirs = typeof other === "object" && other !== null ? (other as Record<string, unknown>) : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
    // Argo CD's masking: equal values get equal masks, a changed value a longer one, so a diff shows
    // that it changed and never what it was or became (nothing derived from the value is shown).
    out[k] = !right || (k in theirs && theirs[k] === v) ? MASK : `${MASK}+`;
  }
  return out;
}

/**
 * Both sides of a diff with the values of plain Secrets (`data`, `stringData`) replaced by masks,
 * as `argocd app diff` shows them. SealedSecret and SOPS ciphertexts are left as they are in Git.
 * Annotations that may hold the whole object (`last-applied-configuration`) are dropped.
 */
export function maskSecretPair(left: KubeObject | undefined, right: KubeObject | undefined): [KubeObject | undefined, KubeObject | undefined] {
  if (!isSecret(left) && !isSecret(right)) return [left, right];
  const mask = (o: KubeObject | undefined, other: KubeObject | undefined, right: boolean): KubeObject | undefined => {
    if (o === undefined) return undefined;
    const copy: Record<string, unknown> = { ...o };
    for (const field of ["data", "stringData"] as const) {
      const m = maskMap(o[field], other?.[field], right);
      if (m !== undefined) copy[field] = m;
    }
    const meta = o.metadata as { annotations?: Record<string, string> } | undefined;
    if (meta?.annotations?.["kubectl.kubernetes.io/last-applied-configuration"] !== undefined) {
      const { "kubectl.kubernetes.io/last-applied-configuration": _dropped, ...annotations } = meta.annotations;
      copy["metadata"] = { ...meta, annotations };
    }
    return copy as KubeObject;
  };
  return [mask(left, right, false), mask(right, left, true)];
}

/** One object masked on its own (for `app get`/manifests views): every Secret value becomes the mask. */
export function maskSecret(o: KubeObject): KubeObject {
  return maskSecretPair(o, o)[0] ?? o;
}
