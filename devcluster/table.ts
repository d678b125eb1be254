import { isPlainObject, type KubeObject } from "./kube-object.js";
import type { ResourceType } from "./resource-type.js";

/** A `meta.k8s.io/v1` Table column definition. */
interface Column {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
  readonly cell: (o: KubeObject, now: number) => unknown;
}

/** A printer column's simple JSONPath: dotted fields, each optionally indexed (`.status.conditions[0].status`). */
function get(o: unknown, path: string): unknown {
  let node = o;
  for (const p of path.split(".").filter((s) => s !== "")) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(p);
    node = isPlainObject(node) ? node[m?.[1] ?? p] : undefined;
    for (const index of (m?.[2] ?? "").match(/\d+/g) ?? []) node = Array.isArray(node) ? (node as unknown[])[Number(index)] : undefined;
  }
  return node;
}

function num(o: unknown, path: string): number {
  const v = get(o, path);
  return typeof v === "number" ? v : 0;
}

/** Kubernetes' `duration.HumanDuration`, as `kubectl get` prints AGE. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

function col(name: string, cell: Column["cell"], type = "string", format = "", priority = 0): Column {
  return { name, type, format, description: name, priority, cell };
}

const NAME = col("Name", (o) => o.metadata.name ?? "", "string", "name");
const AGE = col("Age", (o, now) => {
  const created = Date.parse(o.metadata.creationTimestamp ?? "");
  return Number.isNaN(created) ? "<unknown>" : humanDuration(now - created);
});

function scalar(v: unknown): string {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : "";
}

function servicePorts(o: KubeObject): string {
  const ports = get(o, "spec.ports");
  if (!Array.isArray(ports) || ports.length === 0) return "<none>";
  return ports
    .filter(isPlainObject)
    .map((p) => `${scalar(p.port)}${p.nodePort === undefined ? "" : `:${scalar(p.nodePort)}`}/${scalar(p.protocol ?? "TCP")}`)
    .join(",");
}

function externalIp(o: KubeObject): string {
  const ingress = get(o, "status.loadBalancer.ingress");
  if (Array.isArray(ingress) && ingress.length > 0) return ingress.filter(isPlainObject).map((i) => scalar(i.ip ?? i.hostname ?? "")).join(",");
  return get(o, "spec.type") === "LoadBalancer" ? "<pending>" : "<none>";
}

const BY_KIND: Readonly<Record<string, readonly Column[]>> = {
  Namespace: [NAME, col("Status", (o) => get(o, "status.phase") ?? ""), AGE],
  ConfigMap: [NAME, col("Data", (o) => Object.keys(isPlainObject(o.data) ? o.data : {}).length + Object.keys(isPlainObject(o.binaryData) ? o.binaryData : {}).length, "integer"), AGE],
  Secret: [NAME, col("Type", (o) => o.type ?? ""), col("Data", (o) => Object.keys(isPlainObject(o.data) ? o.data : {}).length, "integer"), AGE],
  Service: [
    NAME,
    col("Type", (o) => get(o, "spec.type") ?? ""),
    col("Cluster-IP", (o) => get(o, "spec.clusterIP") ?? "<none>"),
    col("External-IP", externalIp),
    col("Port(s)", servicePorts),
    AGE,
  ],
  Deployment: [
    NAME,
    col("Ready", (o) => `${num(o, "status.readyReplicas")}/${num(o, "spec.replicas")}`),
    col("Up-to-date", (o) => num(o, "status.updatedReplicas"), "integer"),
    col("Available", (o) => num(o, "status.availableReplicas"), "integer"),
    AGE,
  ],
  StatefulSet: [NAME, col("Ready", (o) => `${num(o, "status.readyReplicas")}/${num(o, "spec.replicas")}`), AGE],
  ReplicaSet: [
    NAME,
    col("Desired", (o) => num(o, "spec.replicas"), "integer"),
    col("Current", (o) => num(o, "status.replicas"), "integer"),
    col("Ready", (o) => num(o, "status.readyReplicas"), "integer"),
    AGE,
  ],
  DaemonSet: [
    NAME,
    col("Desired", (o) => num(o, "status.desiredNumberScheduled"), "integer"),
    col("Current", (o) => num(o, "status.currentNumberScheduled"), "integer"),
    col("Ready", (o) => num(o, "status.numberReady"), "integer"),
    AGE,
  ],
  Pod: [NAME, col("Status", (o) => get(o, "status.phase") ?? ""), AGE],
  Job: [
    NAME,
    col("Status", (o) => (num(o, "status.succeeded") >= num(o, "spec.completions") ? "Complete" : "Running")),
    col("Completions", (o) => `${num(o, "status.succeeded")}/${num(o, "spec.completions")}`),
    AGE,
  ],
  PersistentVolumeClaim: [NAME, col("Status", (o) => get(o, "status.phase") ?? ""), col("Volume", (o) => get(o, "spec.volumeName") ?? ""), AGE],
  CustomResourceDefinition: [NAME, col("Created At", (o) => o.metadata.creationTimestamp ?? "", "date")],
};

function columnsFor(type: ResourceType): readonly Column[] {
  const builtin = type.strategicMerge ? BY_KIND[type.kind] : undefined;
  if (builtin !== undefined) return builtin;
  // As the apiserver does: a CRD's own columns replace the default Age column; `date` cells print as ages.
  if (type.printerColumns.length === 0) return [NAME, AGE];
  return [
    NAME,
    ...type.printerColumns.map((c) =>
      col(
        c.name,
        (o, now) => {
          const v = get(o, c.jsonPath);
          if (c.type === "date" && typeof v === "string" && !Number.isNaN(Date.parse(v))) return humanDuration(now - Date.parse(v));
          return v ?? "";
        },
        c.type,
        "",
        c.priority ?? 0,
      ),
    ),
  ];
}

export interface TableOptions {
  readonly now: number;
  readonly resourceVersion: string;
  /** `includeObject=Object` embeds whole objects; the default embeds metadata only. */
  readonly includeObject: "None" | "Metadata" | "Object";
}

function partialMetadata(o: KubeObject): Record<string, unknown> {
  const { managedFields: _mf, ...metadata } = o.metadata;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata };
}

/** Renders objects as the `meta.k8s.io/v1` Table that `kubectl get` prints. */
export function toTable(type: ResourceType, objects: readonly KubeObject[], options: TableOptions): Record<string, unknown> {
  const columns = columnsFor(type);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion: options.resourceVersion },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format, description: c.description, priority: c.priority })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, options.now)),
      ...(options.includeObject === "None" ? {} : { object: options.includeObject === "Object" ? o : partialMetadata(o) }),
    })),
  };
}
