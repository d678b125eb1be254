import { isPlainObject, type KubeObject } from "./kube-object.js";

type Rec = Record<string, unknown>;

function rec(parent: Rec, key: string): Rec {
  const v = parent[key];
  if (isPlainObject(v)) return v;
  const created: Rec = {};
  parent[key] = created;
  return created;
}

function setDefault(target: Rec, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

function defaultPorts(ports: unknown, service: boolean): void {
  if (!Array.isArray(ports)) return;
  for (const p of ports.filter(isPlainObject)) {
    setDefault(p, "protocol", "TCP");
    if (service) setDefault(p, "targetPort", p.port);
  }
}

function defaultContainers(containers: unknown): void {
  if (!Array.isArray(containers)) return;
  for (const c of containers.filter(isPlainObject)) {
    const image = typeof c.image === "string" ? c.image : "";
    const tagged = /:[^/]+$/.test(image) && !image.endsWith(":latest");
    setDefault(c, "imagePullPolicy", tagged || image.includes("@") ? "IfNotPresent" : "Always");
    setDefault(c, "terminationMessagePath", "/dev/termination-log");
    setDefault(c, "terminationMessagePolicy", "File");
    setDefault(c, "resources", {});
    defaultPorts(c.ports, false);
  }
}

function defaultPodSpec(spec: Rec): void {
  defaultContainers(spec.containers);
  defaultContainers(spec.initContainers);
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "securityContext", {});
  setDefault(spec, "schedulerName", "default-scheduler");
}

function defaultTemplate(spec: Rec): void {
  const template = spec.template;
  if (isPlainObject(template)) defaultPodSpec(rec(template, "spec"));
}

/** Allocates Service cluster IPs deterministically from the service's name (stable across restarts). */
function clusterIpFor(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `10.96.${(h >>> 8) % 254}.${(h % 253) + 1}`;
}

/**
 * The server-side defaults the controllers and clients rely on (a subset of the Kubernetes
 * defaulting functions). Mutates `object`; idempotent.
 */
export function applyDefaults(kind: string, object: KubeObject): void {
  const spec = isPlainObject(object.spec) ? object.spec : undefined;
  switch (kind) {
    case "Namespace": {
      const labels = (object.metadata.labels ??= {});
      labels["kubernetes.io/metadata.name"] = object.metadata.name ?? "";
      setDefault(rec(object, "spec"), "finalizers", ["kubernetes"]);
      setDefault(rec(object, "status"), "phase", "Active");
      break;
    }
    case "Secret":
      setDefault(object, "type", "Opaque");
      if (isPlainObject(object.stringData)) {
        const data = rec(object, "data");
        for (const [k, v] of Object.entries(object.stringData)) data[k] = Buffer.from(String(v)).toString("base64");
        delete object.stringData;
      }
      break;
    case "Service": {
      const s = rec(object, "spec");
      setDefault(s, "type", "ClusterIP");
      if (s.type !== "ExternalName") {
        setDefault(s, "clusterIP", clusterIpFor(`${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`));
        setDefault(s, "clusterIPs", [s.clusterIP]);
        setDefault(s, "ipFamilies", ["IPv4"]);
        setDefault(s, "ipFamilyPolicy", "SingleStack");
        setDefault(s, "internalTrafficPolicy", "Cluster");
      }
      setDefault(s, "sessionAffinity", "None");
      defaultPorts(s.ports, true);
      if (s.type === "LoadBalancer" || s.type === "NodePort") setDefault(s, "externalTrafficPolicy", "Cluster");
      setDefault(object, "status", { loadBalancer: {} });
      break;
    }
    case "Pod":
      defaultPodSpec(rec(object, "spec"));
      setDefault(rec(object, "status"), "phase", "Pending");
      break;
    case "Deployment": {
      const s = rec(object, "spec");
      setDefault(s, "replicas", 1);
      const strategy = rec(s, "strategy");
      setDefault(strategy, "type", "RollingUpdate");
      if (strategy.type === "RollingUpdate") setDefault(strategy, "rollingUpdate", { maxUnavailable: "25%", maxSurge: "25%" });
      setDefault(s, "revisionHistoryLimit", 10);
      setDefault(s, "progressDeadlineSeconds", 600);
      defaultTemplate(s);
      break;
    }
    case "StatefulSet": {
      const s = rec(object, "spec");
      setDefault(s, "replicas", 1);
      setDefault(s, "podManagementPolicy", "OrderedReady");
      const strategy = rec(s, "updateStrategy");
      setDefault(strategy, "type", "RollingUpdate");
      if (strategy.type === "RollingUpdate") setDefault(strategy, "rollingUpdate", { partition: 0 });
      setDefault(s, "revisionHistoryLimit", 10);
      defaultTemplate(s);
      break;
    }
    case "DaemonSet": {
      const s = rec(object, "spec");
      const strategy = rec(s, "updateStrategy");
      setDefault(strategy, "type", "RollingUpdate");
      if (strategy.type === "RollingUpdate") setDefault(strategy, "rollingUpdate", { maxUnavailable: 1, maxSurge: 0 });
      setDefault(s, "revisionHistoryLimit", 10);
      defaultTemplate(s);
      break;
    }
    case "ReplicaSet":
      setDefault(rec(object, "spec"), "replicas", 1);
      defaultTemplate(rec(object, "spec"));
      break;
    case "Job": {
      const s = rec(object, "spec");
      setDefault(s, "parallelism", 1);
      setDefault(s, "completions", 1);
      setDefault(s, "backoffLimit", 6);
      defaultTemplate(s);
      break;
    }
    case "CronJob": {
      const s = rec(object, "spec");
      setDefault(s, "concurrencyPolicy", "Allow");
      setDefault(s, "suspend", false);
      setDefault(s, "successfulJobsHistoryLimit", 3);
      setDefault(s, "failedJobsHistoryLimit", 1);
      break;
    }
    case "PersistentVolumeClaim":
      setDefault(rec(object, "spec"), "volumeMode", "Filesystem");
      setDefault(rec(object, "status"), "phase", "Pending");
      break;
    default:
      if (spec === undefined) return;
  }
}
