import { describe, expect, it } from "vitest";
import { memorySnapshot } from "./repo-snapshot.js";
import { renderSnapshot } from "./fleet-render.js";
import { ManifestRenderer } from "./render/manifest-renderer.js";
import { DEFAULT_RENDER_BUDGET, type RenderBudget } from "./render-budget.js";

const CLUSTER = "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: c1\n  labels:\n    env: prod\n";
const DEPLOY = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n";

function appSet(name: string, nameTemplate: string, generators = "  - clusters: {}"): string {
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  generators:
${generators}
  template:
    metadata:
      name: '${nameTemplate}'
    spec:
      project: default
      source: {repoURL: ., path: apps/web, targetRevision: HEAD}
      destination: {name: '{{.name}}', namespace: web}
`;
}

const SMALL: RenderBudget = { ...DEFAULT_RENDER_BUDGET, maxSteps: 2_000_000, appMaxSteps: 200_000, maxOutputBytes: 4 << 20, appMaxOutputBytes: 1 << 20 };

async function render(hostile: string, budget: RenderBudget | "unlimited" = SMALL) {
  const snapshot = memorySnapshot({
    "clusters/c1.yaml": CLUSTER,
    "apps/web/cm.yaml": DEPLOY,
    "appsets/good.yaml": appSet("good", "good-{{.name}}"),
    "appsets/bad.yaml": hostile,
  });
  const manifests = new ManifestRenderer({ kustomize: { build: () => Promise.reject(new Error("unused")) } });
  return renderSnapshot(snapshot, { manifests, budget: budget === "unlimited" ? undefined : budget });
}

describe("render budget per ApplicationSet", () => {
  const attacks: Record<string, string> = {
    "nested until": appSet("bad", "{{ range $i := until 40000 }}{{ range $j := until 40000 }}{{ end }}{{ end }}bad-{{.name}}"),
    "repeat bomb": appSet("bad", '{{ repeat 100000000 "x" }}'),
    "until allocating 1e9": appSet("bad", "{{ len (until 1000000000) }}"),
    "doubling string": appSet("bad", '{{ $s := "xx" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ $s }}'),
    "matrix of large lists": appSet(
      "bad",
      "bad-{{.a}}-{{.b}}",
      `  - matrix:
      generators:
      - list: {elements: [${Array.from({ length: 2000 }, (_, i) => `{a: "${String(i)}"}`).join(",")}]}
      - list: {elements: [${Array.from({ length: 2000 }, (_, i) => `{b: "${String(i)}"}`).join(",")}]}`,
    ),
  };
  for (const [attack, file] of Object.entries(attacks)) {
    it(`${attack}: fails only that ApplicationSet with RENDER_BUDGET_EXCEEDED, naming it and its file`, async () => {
      const result = await render(file);
      const failed = result.appSets.find((a) => a.name === "bad");
      expect(failed?.error?.code).toBe("RENDER_BUDGET_EXCEEDED");
      expect(failed?.error?.file).toBe("appsets/bad.yaml");
      expect(result.errors).toContainEqual(expect.objectContaining({ code: "RENDER_BUDGET_EXCEEDED", appSet: "bad", file: "appsets/bad.yaml" }));
      expect(result.errors.find((e) => e.appSet === "bad")?.message).toMatch(/^ApplicationSet bad\b.*render budget exceeded/);
      const apps = result.clusters[0]?.apps ?? [];
      expect(apps.map((a) => a.name)).toEqual(["good-c1"]);
      expect(apps[0]?.error).toBeUndefined();
      expect(apps[0]?.objects).toHaveLength(1);
    });
  }

  it("leaves a fleet within its budget exactly as an unlimited render does", async () => {
    const benign = appSet("bad", "{{ printf \"%s-%s\" \"bad\" .name | lower }}");
    const limited = await render(benign);
    const unlimited = await render(benign, "unlimited");
    expect(limited).toEqual(unlimited);
    expect(limited.errors).toEqual([]);
  });
});
