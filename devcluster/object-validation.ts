import { invalid, type StatusCause } from "./api-status.js";
import { isPlainObject, type KubeObject } from "./kube-object.js";
import { matchesLabels, requirementsOf } from "./selectors.js";

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Kinds whose names must be DNS labels (no dots), as in Kubernetes. */
const LABEL_NAMED = new Set(["Namespace", "Service", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);

function cause(field: string, message: string): StatusCause {
  return { reason: "FieldValueInvalid", message, field };
}

export function validateName(kind: string, name: string): StatusCause[] {
  if (name === "") return [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }];
  const label = LABEL_NAMED.has(kind);
  const re = label ? LABEL : SUBDOMAIN;
  const max = label ? 63 : 253;
  if (!re.test(name)) return [cause("metadata.name", `Invalid value: "${name}": ${label ? LABEL_MESSAGE : SUBDOMAIN_MESSAGE}`)];
  if (name.length > max) return [cause("metadata.name", `Invalid value: "${name}": must be no more than ${max} characters`)];
  return [];
}

function validateWorkload(object: KubeObject, causes: StatusCause[]): void {
  const spec = isPlainObject(object.spec) ? object.spec : {};
  if (!isPlainObject(spec.selector)) {
    causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.selector" });
    return;
  }
  const template = isPlainObject(spec.template) ? spec.template : {};
  const meta = isPlainObject(template.metadata) ? template.metadata : {};
  const labels = isPlainObject(meta.labels) ? (meta.labels as Record<string, string>) : {};
  if (!matchesLabels(requirementsOf(spec.selector), labels)) {
    causes.push(cause("spec.template.metadata.labels", `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``));
  }
  const podSpec = isPlainObject(template.spec) ? template.spec : {};
  if (!Array.isArray(podSpec.containers) || podSpec.containers.length === 0) {
    causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.template.spec.containers" });
  }
}

function validateStringMap(object: KubeObject, field: string, causes: StatusCause[], base64: boolean): void {
  const map = object[field];
  if (map === undefined) return;
  if (!isPlainObject(map)) {
    causes.push(cause(field, "Invalid value: must be a map of strings"));
    return;
  }
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== "string") causes.push(cause(`${field}[${k}]`, "Invalid value: must be a string"));
    else if (base64 && !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) causes.push(cause(`${field}[${k}]`, "Invalid value: illegal base64 data"));
  }
}

/** The validation the real apiserver does that clients notice. Throws a 422 Status. */
export function validateObject(kind: string, group: string, object: KubeObject): void {
  const name = object.metadata.name ?? "";
  const causes = validateName(kind, name);
  for (const [field, map] of [
    ["metadata.labels", object.metadata.labels],
    ["metadata.annotations", object.metadata.annotations],
  ] as const) {
    if (map !== undefined && (!isPlainObject(map) || Object.values(map).some((v) => typeof v !== "string"))) {
      causes.push(cause(field, "Invalid value: must be a map of strings"));
    }
  }
  if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(kind) && group === "apps") validateWorkload(object, causes);
  if (kind === "ConfigMap" && group === "") validateStringMap(object, "data", causes, false);
  if (kind === "Secret" && group === "") validateStringMap(object, "data", causes, true);
  if (causes.length > 0) throw invalid(kind, group, name, causes);
}
