import { invalid, type StatusCause } from "./api-status.js";
import { isPlainObject, type KubeObject } from "./kube-object.js";
import type { ResourceRegistry } from "./resource-registry.js";

function required(field: string): StatusCause {
  return { reason: "FieldValueRequired", message: "Required value", field };
}

/** The CRD checks that keep the registry consistent (names, scope, exactly one storage version). */
export function validateCrd(crd: KubeObject, registry: ResourceRegistry, before: KubeObject | undefined): void {
  const causes: StatusCause[] = [];
  const spec = isPlainObject(crd.spec) ? crd.spec : {};
  const names = isPlainObject(spec.names) ? spec.names : {};
  const group = typeof spec.group === "string" ? spec.group : "";
  const plural = typeof names.plural === "string" ? names.plural : "";
  if (group === "") causes.push(required("spec.group"));
  else if (!group.includes(".")) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${group}": should be a domain with at least one dot`, field: "spec.group" });
  if (plural === "") causes.push(required("spec.names.plural"));
  if (typeof names.kind !== "string" || names.kind === "") causes.push(required("spec.names.kind"));
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(spec.scope ?? "")}: supported values: "Cluster", "Namespaced"`, field: "spec.scope" });
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
  if (versions.length === 0) causes.push(required("spec.versions"));
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    causes.push({ reason: "FieldValueInvalid", message: "Invalid value: must have exactly one version marked as storage version", field: "spec.versions" });
  }
  for (const [i, v] of versions.entries()) if (typeof v.name !== "string" || v.name === "") causes.push(required(`spec.versions[${i}].name`));
  const name = crd.metadata.name ?? "";
  if (plural !== "" && group !== "" && name !== `${plural}.${group}`) {
    causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`, field: "metadata.name" });
  }
  if (before === undefined && registry.all().some((t) => t.group === group && t.resource === plural)) {
    causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${plural}": resource already served`, field: "spec.names.plural" });
  }
  if (causes.length > 0) throw invalid("CustomResourceDefinition", "apiextensions.k8s.io", name, causes);
}

/** The status a CRD reaches once the apiserver serves it (here: at once). */
export function crdStatus(crd: KubeObject, now: string): Record<string, unknown> {
  const spec = isPlainObject(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
  const storage = versions.find((v) => v.storage === true);
  const condition = (type: string, reason: string, message: string): Record<string, unknown> => ({
    type,
    status: "True",
    lastTransitionTime: now,
    reason,
    message,
  });
  const previous = isPlainObject(crd.status) && Array.isArray(crd.status.conditions) ? crd.status.conditions.filter(isPlainObject) : [];
  const keepTime = (c: Record<string, unknown>): Record<string, unknown> => {
    const old = previous.find((p) => p.type === c.type && p.status === c.status);
    return old === undefined ? c : { ...c, lastTransitionTime: old.lastTransitionTime };
  };
  return {
    conditions: [
      condition("NamesAccepted", "NoConflicts", "no conflicts found"),
      condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
    ].map(keepTime),
    acceptedNames: spec.names ?? {},
    storedVersions: storage === undefined ? [] : [storage.name],
  };
}
