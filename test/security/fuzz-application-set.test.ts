// Fuzzing ApplicationSets as the hub reads them from a fleet repo: YAML text → parse
// (applicationSetFromText: yaml + the CRD schema) → expand (every generator, Go templates,
// templatePatch). The insider commits the file: damaged text, fields removed or retyped, huge
// numbers, deep nesting, prototype keys, hostile template actions. Every failure is a GITOPS_* code
// (generator and per-app failures are collected, never thrown), and nothing pollutes a prototype.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as yamlStringify } from "yaml";
import { CRD_ERROR, parseApplicationSet } from "../../crds/index.js";
import { GITOPS_ERROR, applicationSetFromText, expandApplicationSet, memorySnapshot, type FleetCluster } from "../../gitops/index.js";
import { applyMutation, bounds, byteDamage, damageText, expectTypedError, materialize, mutation, outcome, outcomeAsync, splicedTemplate, toJsonText } from "./fuzz-support.js";

const CODES = Object.values(GITOPS_ERROR);

const clusters: FleetCluster[] = [
  { name: "eu-1", server: "flotilla://eu-1", project: "", labels: { env: "prod" }, annotations: {}, values: { region: "eu" }, declaredBy: "Cluster" },
  { name: "us-1", server: "flotilla://us-1", project: "", labels: { env: "stage" }, annotations: {}, values: {}, declaredBy: "Cluster" },
];
const repo = memorySnapshot({
  "apps/web/deploy.yaml": "kind: Deployment",
  "apps/api/deploy.yaml": "kind: Deployment",
  "config/eu.json": '{"name":"eu","replicas":2}',
});

const APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
  namespace: flotilla
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - matrix:
        generators:
          - clusters:
              selector:
                matchLabels:
                  env: prod
          - list:
              elements:
                - app: web
                  replicas: "2"
                - app: api
                  replicas: "3"
    - git:
        repoURL: https://git.example/fleet.git
        revision: main
        directories:
          - path: apps/*
    - merge:
        mergeKeys: [name]
        generators:
          - clusters: {}
          - list:
              elements:
                - name: eu-1
                  extra: "yes"
  template:
    metadata:
      name: '{{ index . "name" | default "git" }}-{{ index . "app" | default "x" }}'
      labels:
        team: '{{ index . "extra" | default "none" }}'
    spec:
      project: default
      source:
        repoURL: https://git.example/apps.git
        targetRevision: main
        path: '{{ with index . "path" }}{{ .path }}{{ else }}apps/web{{ end }}'
      destination:
        name: '{{ index . "name" | default "in-cluster" }}'
        namespace: web
  templatePatch: |
    spec:
      syncPolicy:
        automated: {}
`;

const context = {
  clusters,
  repo: (): Promise<typeof repo> => Promise.resolve(repo),
  file: "appset.yaml",
};

/** Parse then expand; expansion reports failures in its result, each of which must carry a code. */
async function parseAndExpand(value: unknown): Promise<void> {
  const appSet = outcome(() => parseApplicationSet(value, "appset.yaml"), [CRD_ERROR.invalid]);
  if (appSet === undefined) return;
  const result = await outcomeAsync(() => expandApplicationSet(appSet, context), CODES);
  if (result === undefined) return;
  for (const err of result.generatorErrors) expectTypedError(err, CODES);
  for (const app of result.applications) {
    if (app.error !== undefined) expectTypedError(app.error, CODES);
    else expect(typeof app.application.metadata.name).toBe("string");
  }
}

const parsed = parseYaml(APPSET) as Record<string, unknown>;

describe("fuzz: ApplicationSet parse and expand", () => {
  it("the valid ApplicationSet expands (the baseline the mutations start from)", async () => {
    const result = await expandApplicationSet(applicationSetFromText(APPSET, "appset.yaml"), context);
    expect(result.generatorErrors).toEqual([]);
    expect(result.applications.filter((a) => a.error === undefined).length).toBeGreaterThan(3);
  });

  it("damaged YAML text fails with a code when the hub reads the file", async () => {
    await fc.assert(
      fc.asyncProperty(byteDamage, async (d) => {
        const appSet = outcome(() => applicationSetFromText(damageText(APPSET, d), "appset.yaml"), CODES);
        if (appSet !== undefined) await parseAndExpand(appSet);
      }),
      bounds(300, 1_000),
    );
  });

  it("a mutated ApplicationSet (field removed, retyped, huge, deep, __proto__) fails with a code or expands", async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        // JSON is YAML: the file as committed, deep values written out as text.
        const appSet = outcome(() => applicationSetFromText(toJsonText(applyMutation(parsed, m)), "appset.yaml"), CODES);
        if (appSet !== undefined) await parseAndExpand(appSet);
      }),
      bounds(400, 2_000),
    );
  });

  it("hostile template actions in the template and templatePatch fail per app with GITOPS_TEMPLATE, or render", async () => {
    const strings = fc.constantFrom("{{ .name }}-{{ .app }}", "{{ .values.region }}", "spec:\n  info: '{{ .name }}'\n");
    await fc.assert(
      fc.asyncProperty(strings.chain(splicedTemplate), fc.constantFrom("name", "patch", "path"), fc.boolean(), async (source, where, goTemplate) => {
        const value = structuredClone(parsed) as { spec: Record<string, unknown> & { template: { metadata: Record<string, unknown>; spec: { source: Record<string, unknown> } } } };
        value.spec.goTemplate = goTemplate;
        if (where === "name") value.spec.template.metadata.name = source;
        else if (where === "patch") value.spec.templatePatch = source;
        else value.spec.template.spec.source.path = source;
        await parseAndExpand(value);
      }),
      bounds(300, 1_500),
    );
  });

  it("the YAML the hub reads back from a mutated file fails with a code", async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        let text: string;
        try {
          text = yamlStringify(materialize(applyMutation(parsed, m)));
        } catch {
          return; // the yaml library cannot write it (too deep)
        }
        const appSet = outcome(() => applicationSetFromText(text, "appset.yaml"), CODES);
        if (appSet !== undefined) await parseAndExpand(appSet);
      }),
      bounds(200, 1_000),
    );
  });
});
