import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevCluster, type DevCluster } from "../../devcluster/index.js";
import { Kubectl, waitForOutput } from "./kubectl.js";

const APP = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: blue}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-cfg, namespace: shop, labels: {app: web}}
data: {colour: blue, size: large}
`;

const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gizmos, singular: gizmo, kind: Gizmo, shortNames: [gz]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    additionalPrinterColumns:
    - {name: Colour, type: string, jsonPath: .spec.colour}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
`;

interface ObjectJson {
  metadata: { name: string; resourceVersion: string; generation?: number; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

describe("kubectl 1.32 against the devcluster", () => {
  let cluster: DevCluster;
  let kubectl: Kubectl;

  beforeAll(async () => {
    cluster = await startDevCluster({ name: "kubectl-suite", controllerDelayMs: 100, namespaceDeletionDelayMs: 300 });
    kubectl = new Kubectl(cluster.kubeconfigPath);
  });
  afterAll(async () => {
    await cluster.stop();
  });

  async function getJson(args: string[]): Promise<ObjectJson> {
    const r = await kubectl.run(["get", ...args, "-o", "json"]);
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as ObjectJson;
  }

  it("applies a multi-document file, then reports it unchanged", async () => {
    const first = await kubectl.run(["apply", "-f", "-"], APP);
    expect(first.stderr).toBe("");
    expect(first.stdout.trim().split("\n")).toEqual([
      "namespace/shop created",
      "deployment.apps/web created",
      "service/web created",
      "configmap/web-cfg created",
    ]);
    const second = await kubectl.run(["apply", "-f", "-"], APP);
    expect(second.stdout).toContain("configmap/web-cfg unchanged");
    expect(second.stdout).toContain("deployment.apps/web unchanged");
  });

  it("lists by label selector as JSON, and prints tables for humans", async () => {
    await kubectl.run(["-n", "shop", "create", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, labels: {app: other}}\ndata: {k: v}\n");
    const list = JSON.parse((await kubectl.run(["get", "configmaps", "-n", "shop", "-l", "app=web", "-o", "json"])).stdout) as { items: ObjectJson[] };
    expect(list.items.map((i) => i.metadata.name)).toEqual(["web-cfg"]);
    const table = await kubectl.run(["get", "services,configmaps", "-n", "shop", "-l", "app in (web)"]);
    expect(table.stdout).toMatch(/service\/web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP/);
    expect(table.stdout).toMatch(/configmap\/web-cfg\s+2\s+/);
    expect(table.stdout).not.toContain("other");
  });

  it("diffs a changed file with a dry run that changes nothing on the server", async () => {
    const before = await getJson(["configmap", "web-cfg", "-n", "shop"]);
    const changed = APP.replace("colour: blue", "colour: green").replace("value: blue", "value: green");
    const diff = await kubectl.run(["diff", "-f", "-"], changed);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain("-  colour: blue");
    expect(diff.stdout).toContain("+  colour: green");
    expect(diff.stdout).toMatch(/-\s+value: blue\n\+\s+value: green/);
    const after = await getJson(["configmap", "web-cfg", "-n", "shop"]);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.data?.colour).toBe("blue");
  });

  it("applies a change with strategic merge patch (keyed lists merged, removed keys dropped)", async () => {
    const changed = APP.replace("colour: blue, size: large", "colour: green").replace("value: blue", "value: green");
    const r = await kubectl.run(["apply", "-f", "-"], changed);
    expect(r.stdout).toContain("configmap/web-cfg configured");
    expect(r.stdout).toContain("deployment.apps/web configured");
    const cm = await getJson(["configmap", "web-cfg", "-n", "shop"]);
    expect(cm.data).toEqual({ colour: "green" });
    const deploy = await getJson(["deployment", "web", "-n", "shop"]);
    expect(deploy.metadata.generation).toBe(2);
    const containers = (deploy.spec?.template as { spec: { containers: { name: string; env: unknown[]; ports: unknown[] }[] } }).spec.containers;
    expect(containers).toHaveLength(1);
    expect(containers[0]?.env).toEqual([{ name: "MODE", value: "green" }]);
    expect(containers[0]?.ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
  });

  it("waits for rollout status and the Available condition set by the simulated controller", async () => {
    const rollout = await kubectl.run(["rollout", "status", "deployment/web", "-n", "shop", "--timeout=20s"]);
    expect(rollout.stdout).toContain('deployment "web" successfully rolled out');
    const wait = await kubectl.run(["wait", "--for=condition=Available", "deployment/web", "-n", "shop", "--timeout=20s"]);
    expect(wait.stdout.trim()).toBe("deployment.apps/web condition met");
    const deploy = await getJson(["deployment", "web", "-n", "shop"]);
    expect(deploy.status).toMatchObject({ observedGeneration: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2 });
  });

  it("reports a deployment that never becomes ready (fault) as exceeding its progress deadline", async () => {
    cluster.setFaults({ neverReadyDeployments: ["shop/stuck"] });
    const stuck = (APP.split("---")[1] ?? "").replace("name: web\n  namespace", "name: stuck\n  namespace");
    await kubectl.run(["apply", "-f", "-"], stuck);
    const rollout = await kubectl.run(["rollout", "status", "deployment/stuck", "-n", "shop", "--timeout=20s"]);
    expect(rollout.code).toBe(1);
    expect(rollout.stderr).toContain('deployment "stuck" exceeded its progress deadline');
    cluster.setFaults({});
    // The controller needs its delay to notice; wait for it rather than racing it.
    const available = await kubectl.run(["wait", "--for=condition=Available", "deployment/stuck", "-n", "shop", "--timeout=20s"]);
    expect(available.stdout).toContain("condition met");
    const recovered = await kubectl.run(["rollout", "status", "deployment/stuck", "-n", "shop", "--timeout=20s"]);
    expect(recovered.stdout).toContain("successfully rolled out");
  });

  it("server-side applies, rejects a second manager's conflicting apply, and takes over with --force-conflicts", async () => {
    const doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned, namespace: shop}\ndata: {alpha: one, beta: two}\n";
    const first = await kubectl.run(["apply", "--server-side", "-f", "-"], doc);
    expect(first.stdout.trim()).toBe("configmap/owned serverside-applied");
    const rival = doc.replace("alpha: one", "alpha: rival");
    const conflict = await kubectl.run(["apply", "--server-side", "--field-manager=rival", "-f", "-"], rival);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.alpha');
    expect(conflict.stderr).toContain("--force-conflicts");
    expect((await getJson(["configmap", "owned", "-n", "shop"])).data?.alpha).toBe("one");
    const forced = await kubectl.run(["apply", "--server-side", "--field-manager=rival", "--force-conflicts", "-f", "-"], rival);
    expect(forced.code).toBe(0);
    const cm = await getJson(["configmap", "owned", "-n", "shop", "--show-managed-fields"]);
    expect(cm.data).toEqual({ alpha: "rival", beta: "two" });
    // The first manager drops beta from its config: beta is co-owned by rival, so it stays.
    const dropped = await kubectl.run(["apply", "--server-side", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned, namespace: shop}\ndata: {}\n");
    expect(dropped.code).toBe(0);
    expect((await getJson(["configmap", "owned", "-n", "shop"])).data).toEqual({ alpha: "rival", beta: "two" });
  });

  it("removes fields a manager stops applying when no one else owns them", async () => {
    const doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shrink, namespace: shop, labels: {keep: a, drop: b}}\ndata: {gamma: g, delta: d}\n";
    await kubectl.run(["apply", "--server-side", "--field-manager=flotilla", "-f", "-"], doc);
    const smaller = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shrink, namespace: shop, labels: {keep: a}}\ndata: {gamma: g}\n";
    await kubectl.run(["apply", "--server-side", "--field-manager=flotilla", "-f", "-"], smaller);
    const cm = await getJson(["configmap", "shrink", "-n", "shop"]);
    expect(cm.data).toEqual({ gamma: "g" });
    expect(cm.metadata.labels).toEqual({ keep: "a" });
  });

  it("watches with get --watch and prints an update", async () => {
    await kubectl.run(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, namespace: shop}\ndata: {one: '1'}\n");
    const watch = kubectl.background(["get", "configmap", "watched", "-n", "shop", "--watch"]);
    try {
      await waitForOutput(watch, (out) => /watched\s+1\s+/.test(out));
      const patch = await kubectl.run(["patch", "configmap", "watched", "-n", "shop", "-p", '{"data":{"two":"2","three":"3"}}']);
      expect(patch.stdout).toContain("patched");
      const out = await waitForOutput(watch, (o) => /watched\s+3\s+/.test(o));
      expect(out.trim().split("\n").at(-1)).toMatch(/^watched\s+3\s+/);
    } finally {
      watch.stop();
    }
  });

  it("serves a CRD's kind right after the CRD is applied (discovery refreshed)", async () => {
    const before = await kubectl.run(["get", "gizmos", "-n", "shop"]);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('the server doesn\'t have a resource type "gizmos"');
    expect((await kubectl.run(["apply", "-f", "-"], WIDGET_CRD)).stdout).toContain("customresourcedefinition.apiextensions.k8s.io/gizmos.example.com created");
    const cr = "apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g1, namespace: shop}\nspec: {colour: red}\n";
    expect((await kubectl.run(["apply", "-f", "-"], cr)).stdout).toContain("gizmo.example.com/g1 created");
    const got = await kubectl.run(["get", "gizmos", "-n", "shop"]);
    expect(got.stdout).toMatch(/NAME\s+COLOUR\s+AGE\ng1\s+red\s+/);
    const short = await kubectl.run(["get", "gz", "g1", "-n", "shop", "-o", "jsonpath={.spec.colour}"]);
    expect(short.stdout).toBe("red");
  });

  it("scales through the scale subresource and rejects a stale resourceVersion with a conflict", async () => {
    const scaled = await kubectl.run(["scale", "deployment/web", "-n", "shop", "--replicas=3"]);
    expect(scaled.stdout.trim()).toBe("deployment.apps/web scaled");
    expect((await getJson(["deployment", "web", "-n", "shop"])).spec?.replicas).toBe(3);
    const stale = await kubectl.run([
      "patch", "deployment/web", "-n", "shop", "--subresource=scale", "--type=merge",
      "-p", '{"metadata":{"resourceVersion":"1"},"spec":{"replicas":4}}',
    ]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('Error from server (Conflict): Operation cannot be fulfilled on deployments.apps "web": the object has been modified');
    expect((await getJson(["deployment", "web", "-n", "shop"])).spec?.replicas).toBe(3);
  });

  it("answers bad input with the apiserver's Status messages", async () => {
    const badName = await kubectl.run(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, namespace: shop}\n");
    expect(badName.stderr).toContain('The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain');
    const noNs = await kubectl.run(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine, namespace: nowhere}\n");
    expect(noNs.stderr).toContain('namespaces "nowhere" not found');
    const proto = await kubectl.run(["create", "configmap", "proto", "-n", "shop", "--from-literal=a=b"]);
    expect(proto.stderr).toContain("failed to create configmap: the body of the request was in an unknown format");
    const missing = await kubectl.run(["get", "configmap", "ghost", "-n", "shop"]);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): configmaps "ghost" not found');
  });

  it("deletes a file's objects; the namespace terminates asynchronously and then disappears", async () => {
    const del = await kubectl.run(["delete", "-f", "-"], APP);
    expect(del.code).toBe(0);
    expect(del.stdout.trim().split("\n")).toEqual([
      'namespace "shop" deleted',
      'deployment.apps "web" deleted',
      'service "web" deleted',
      'configmap "web-cfg" deleted',
    ]);
    const wait = await kubectl.run(["wait", "--for=delete", "namespace/shop", "--timeout=20s"]);
    expect(wait.code).toBe(0);
    const gone = await kubectl.run(["get", "configmaps", "--all-namespaces", "-o", "name"]);
    expect(gone.stdout).not.toContain("configmap/owned");
    expect((await kubectl.run(["get", "namespace", "shop"])).stderr).toContain('namespaces "shop" not found');
  });
});
