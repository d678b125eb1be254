import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { loadLocalChart } from "../cli/helm-template.js";
import { REPO_ROOT, runFlotilla } from "../test/harness/run-cli.js";
import { HELM_ERROR, helmTemplate, loadChart, loadChartArchive, parseSet, renderChart, type HelmError } from "./index.js";

// Expected outputs were produced by the real helm 3.17.2 binary (see test/fixtures/helm/README.md).
const FIXTURES = join(REPO_ROOT, "test/fixtures/helm");
const expected = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");

async function tgz(entries: ReadonlyArray<{ name: string; data?: string; type?: "file" | "symlink" | "directory"; linkname?: string }>): Promise<Uint8Array> {
  const p = pack();
  for (const e of entries) p.entry({ name: e.name, type: e.type ?? "file", linkname: e.linkname }, e.data ?? "");
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

function caught(fn: () => unknown): HelmError {
  try {
    fn();
  } catch (err) {
    return err as HelmError;
  }
  throw new Error("expected an error");
}

describe("helm template on fixture charts (byte for byte what helm 3.17.2 prints)", () => {
  it("renders subcharts, alias, condition, tags, import-values, library, globals, CRDs, hooks, tpl, .Files", async () => {
    const chart = await loadLocalChart("webapp", FIXTURES);
    const { output, rendered } = helmTemplate(chart, { releaseName: "rel", namespace: "apps", includeCrds: true });
    expect(output).toBe(expected("webapp.expected.yaml"));
    expect(rendered.notes).toBe("Installed rel.\n");
    expect(rendered.hooks.map((h) => [h.path, h.events])).toEqual([
      ["webapp/templates/hooks.yaml", ["test"]],
      ["webapp/templates/hooks.yaml", ["pre-install", "pre-upgrade"]],
    ]);
    // .helmignore kept files/skip.bak out of .Files.
    expect(output).not.toContain("skip.bak");
  });

  it("applies --set, --set-string, tags and conditions, and --skip-tests", async () => {
    const chart = await loadLocalChart("webapp", FIXTURES);
    const { output } = helmTemplate(chart, {
      releaseName: "rel",
      values: { set: ["tags.cache=true", "db.enabled=false", "replicas=3"], setString: ["image.tag=1.0"] },
      skipTests: true,
    });
    expect(output).toBe(expected("webapp-set.expected.yaml"));
  });

  it("the CLI prints the same bytes", async () => {
    const r = await runFlotilla(["helm", "template", "rel", "webapp", "-n", "apps", "--include-crds"], { cwd: FIXTURES });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected("webapp.expected.yaml"));
  });
});

describe("bad input", () => {
  it("a missing chart", async () => {
    const r = await runFlotilla(["helm", "template", "no-such-chart"], { cwd: FIXTURES });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error[HELM_CHART_NOT_FOUND]: path "no-such-chart" not found\n');
    await expect(loadChart(new Map([["values.yaml", new Uint8Array()]]), { source: "x" })).rejects.toMatchObject({ code: HELM_ERROR.chartNotFound });
  });

  it("a missing required value names file, line and column (helm's text)", async () => {
    const chart = await loadLocalChart("broken", FIXTURES);
    const err = caught(() => renderChart(chart, { values: { db: { password: "" } } }));
    expect(err.code).toBe(HELM_ERROR.requiredValue);
    expect(err.message).toBe("execution error at (broken/templates/cm.yaml:6:15): db.password is required");
    expect([err.file, err.line]).toEqual(["broken/templates/cm.yaml", 6]);
  });

  it("fail and execution errors, with helm's --debug hint on the CLI; no value leaks", async () => {
    const r = await runFlotilla(["helm", "template", "broken", "--set", "db.password=hunter2", "--set", "mode=fail"], { cwd: FIXTURES });
    expect(r.stderr).toBe("error[HELM_REQUIRED_VALUE]: execution error at (broken/templates/cm.yaml:8:8): mode fail is not supported\n\nUse --debug flag to render out invalid YAML\n");
    const exec = await runFlotilla(["helm", "template", "broken", "--set", "db.password=hunter2", "--set", "mode=exec"], { cwd: FIXTURES });
    expect(exec.stderr).toBe(
      'error[HELM_TEMPLATE_ERROR]: template: broken/templates/cm.yaml:11:15: executing "broken/templates/cm.yaml" at <.Values.nested.deeper>: nil pointer evaluating interface {}.deeper\n\nUse --debug flag to render out invalid YAML\n',
    );
    const yaml = await runFlotilla(["helm", "template", "broken", "--set", "db.password=hunter2", "--set", "mode=yaml"], { cwd: FIXTURES });
    expect(yaml.stderr).toBe("error[HELM_TEMPLATE_ERROR]: YAML parse error on broken/templates/cm.yaml: error converting YAML to JSON: yaml: line 8: could not find expected ':'\n\nUse --debug flag to render out invalid YAML\n");
    for (const out of [r, exec, yaml]) expect(out.stderr + out.stdout).not.toContain("hunter2");
  });

  it("a template that does not parse", async () => {
    const files = new Map<string, Uint8Array>([
      ["Chart.yaml", Buffer.from("apiVersion: v2\nname: p\nversion: 0.1.0\n")],
      ["templates/a.yaml", Buffer.from("a: 1\nb: {{ .Values.x | nosuchfn }}\n")],
    ]);
    const chart = await loadChart(files, { source: "mem" });
    const err = caught(() => renderChart(chart));
    expect(err.code).toBe(HELM_ERROR.template);
    expect(err.message).toBe('parse error at (p/templates/a.yaml:2): function "nosuchfn" not defined');
    expect([err.file, err.line]).toEqual(["p/templates/a.yaml", 2]);
  });

  it("a schema violation lists every failing field (gojsonschema's wording)", async () => {
    const chart = await loadLocalChart("webapp", FIXTURES);
    const err = caught(() => renderChart(chart, { values: { replicas: 0, image: { repo: 5 } } }));
    expect(err.code).toBe(HELM_ERROR.schema);
    expect(err.message).toBe(
      "values don't meet the specifications of the schema(s) in the following chart(s):\nwebapp:\n- replicas: Must be greater than or equal to 1\n- image.repo: Invalid type. Expected: string, given: integer\n",
    );
    expect(renderChart(chart, { values: { replicas: 0 }, skipSchemaValidation: true }).manifests.length).toBeGreaterThan(0);
  });

  it("refuses archive entries that escape the chart, links, and oversized files", async () => {
    const chartYaml = "apiVersion: v2\nname: a\nversion: 0.1.0\n";
    const ok = await loadChartArchive(await tgz([{ name: "a/Chart.yaml", data: chartYaml }, { name: "a/templates/x.yaml", data: "k: v\n" }]), { source: "a.tgz" });
    expect(ok.templates.map((t) => t.name)).toEqual(["templates/x.yaml"]);
    const attacks: Array<[string, Parameters<typeof tgz>[0]]> = [
      ["chart illegally references parent directory", [{ name: "a/Chart.yaml", data: chartYaml }, { name: "a/../../etc/passwd", data: "x" }]],
      ["is a symlink", [{ name: "a/Chart.yaml", data: chartYaml }, { name: "a/templates/l.yaml", type: "symlink", linkname: "/etc/passwd" }]],
      ["chart yaml not in base directory", [{ name: "Chart.yaml", data: chartYaml }]],
    ];
    for (const [message, entries] of attacks) {
      await expect(loadChartArchive(await tgz(entries), { source: "evil.tgz" })).rejects.toMatchObject({ code: HELM_ERROR.chartInvalid, message: expect.stringContaining(message) as unknown });
    }
    const big = await tgz([{ name: "a/Chart.yaml", data: chartYaml }, { name: "a/files/big", data: "x".repeat(2000) }]);
    await expect(loadChartArchive(big, { source: "big.tgz", limits: { maxFileBytes: 1000 } })).rejects.toMatchObject({ code: HELM_ERROR.chartInvalid });
    await expect(loadChartArchive(Buffer.from("not gzip"), { source: "x.tgz" })).rejects.toMatchObject({ message: "chart archive is not a gzip file" });
  });

  it("a packaged subchart in charts/*.tgz renders like a directory one", async () => {
    const sub = await tgz([{ name: "sub/Chart.yaml", data: "apiVersion: v2\nname: sub\nversion: 0.1.0\n" }, { name: "sub/templates/cm.yaml", data: "kind: ConfigMap\nname: {{ .Values.global.g }}-{{ .Values.v }}\n" }, { name: "sub/values.yaml", data: "v: sv\n" }]);
    const files = new Map<string, Uint8Array>([
      ["Chart.yaml", Buffer.from("apiVersion: v2\nname: top\nversion: 0.1.0\n")],
      ["values.yaml", Buffer.from("global:\n  g: G\n")],
      ["charts/sub-0.1.0.tgz", sub],
    ]);
    const out = helmTemplate(await loadChart(files, { source: "mem" })).output;
    expect(out).toBe("---\n# Source: top/charts/sub/templates/cm.yaml\nkind: ConfigMap\nname: G-sv\n");
  });
});

describe("--set parser (helm's strvals)", () => {
  it("parses paths, lists, escapes and types as Helm does", () => {
    expect(parseSet("a.b=c,n=5,z=0,f=false,nil=null,s=05,l={x,y},i[1].k=v,esc=a\\,b,dot\\.key=1")).toEqual({
      a: { b: "c" },
      n: 5n,
      z: 0n,
      f: false,
      nil: null,
      s: "05",
      l: ["x", "y"],
      i: [null, { k: "v" }],
      esc: "a,b",
      "dot.key": 1n,
    });
    expect(parseSet("n=5,t=true", {}, { mode: "string" })).toEqual({ n: "5", t: "true" });
    expect(() => parseSet("a")).toThrow('key "a" has no value');
    expect(() => parseSet("a[70000]=1")).toThrow("index of 70000 is greater than maximum supported index of 65536");
    expect(() => parseSet("a=1,")).not.toThrow();
  });
});
