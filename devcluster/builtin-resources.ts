import type { ResourceType } from "./resource-type.js";

interface BuiltinSpec {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly resource: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly status?: boolean;
  readonly scale?: boolean;
}

const SPECS: readonly BuiltinSpec[] = [
  { group: "", version: "v1", kind: "Namespace", resource: "namespaces", namespaced: false, shortNames: ["ns"], status: true },
  { group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespaced: true, shortNames: ["cm"] },
  { group: "", version: "v1", kind: "Secret", resource: "secrets", namespaced: true },
  { group: "", version: "v1", kind: "Service", resource: "services", namespaced: true, shortNames: ["svc"], status: true },
  { group: "", version: "v1", kind: "Endpoints", resource: "endpoints", namespaced: true, shortNames: ["ep"] },
  { group: "", version: "v1", kind: "ServiceAccount", resource: "serviceaccounts", namespaced: true, shortNames: ["sa"] },
  { group: "", version: "v1", kind: "Pod", resource: "pods", namespaced: true, shortNames: ["po"], status: true },
  { group: "", version: "v1", kind: "Event", resource: "events", namespaced: true, shortNames: ["ev"] },
  { group: "", version: "v1", kind: "PersistentVolumeClaim", resource: "persistentvolumeclaims", namespaced: true, shortNames: ["pvc"], status: true },
  { group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespaced: true, shortNames: ["deploy"], status: true, scale: true },
  { group: "apps", version: "v1", kind: "StatefulSet", resource: "statefulsets", namespaced: true, shortNames: ["sts"], status: true, scale: true },
  { group: "apps", version: "v1", kind: "DaemonSet", resource: "daemonsets", namespaced: true, shortNames: ["ds"], status: true },
  { group: "apps", version: "v1", kind: "ReplicaSet", resource: "replicasets", namespaced: true, shortNames: ["rs"], status: true, scale: true },
  { group: "batch", version: "v1", kind: "Job", resource: "jobs", namespaced: true, status: true },
  { group: "batch", version: "v1", kind: "CronJob", resource: "cronjobs", namespaced: true, shortNames: ["cj"], status: true },
  { group: "networking.k8s.io", version: "v1", kind: "Ingress", resource: "ingresses", namespaced: true, shortNames: ["ing"], status: true },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", resource: "roles", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", resource: "rolebindings", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", resource: "clusterroles", namespaced: false },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", resource: "clusterrolebindings", namespaced: false },
  { group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", resource: "customresourcedefinitions", namespaced: false, shortNames: ["crd", "crds"], status: true },
];

/** The kinds every devcluster serves from the start. */
export const BUILTIN_RESOURCES: readonly ResourceType[] = SPECS.map((s) => ({
  group: s.group,
  version: s.version,
  resource: s.resource,
  singular: s.kind.toLowerCase(),
  kind: s.kind,
  listKind: `${s.kind}List`,
  namespaced: s.namespaced,
  shortNames: s.shortNames ?? [],
  categories: ["all"].filter(() => ["Pod", "Service", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"].includes(s.kind)),
  status: s.status ?? false,
  scale: s.scale === true ? { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" } : undefined,
  strategicMerge: true,
  printerColumns: [],
}));
