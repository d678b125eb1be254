/**
 * Runs Helm's own `helm template` golden cases through `flotilla helm template` and prints
 * matched/total and a diff of every failure.
 *
 *   npm run build && node dist/scripts/conformance/helm/main.js golden /tmp/helm [--verbose]
 *
 * The argument is a checkout of github.com/helm/helm (v3: cmd/helm/testdata; v4: pkg/cmd/testdata).
 * The cases are those of `TestTemplateCmd` in template_test.go (transcribed below: Go's table is
 * code, not data). Helm's goldens are made with its test defaults (Kubernetes v1.20.0), so every
 * case without its own --kube-version gets `--kube-version 1.20.0`. For error cases the golden
 * holds `Error: MESSAGE`; we compare MESSAGE with what follows `error[CODE]: ` (and our `FILE: `
 * location prefix, where we add one) on our stderr.
 * Not part of `npm test`: it needs the upstream checkout.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface GoldenCase {
  readonly name: string;
  readonly args: readonly string[];
  readonly golden: string;
  readonly wantError?: boolean;
}

const chartPath = "testdata/testcharts/subchart";

const CASES: readonly GoldenCase[] = [
  { name: "check name", args: [chartPath], golden: "output/template.txt" },
  { name: "check set name", args: [chartPath, "--set", "service.name=apache"], golden: "output/template-set.txt" },
  { name: "check values files", args: [chartPath, "--values", join(chartPath, "/charts/subchartA/values.yaml")], golden: "output/template-values-files.txt" },
  { name: "check name template", args: [chartPath, '--name-template=foobar-{{ b64enc "abc" | lower }}-baz'], golden: "output/template-name-template.txt" },
  { name: "check no args", args: [], golden: "output/template-no-args.txt", wantError: true },
  { name: "check library chart", args: ["testdata/testcharts/lib-chart"], golden: "output/template-lib-chart.txt", wantError: true },
  { name: "check chart bad type", args: ["testdata/testcharts/chart-bad-type"], golden: "output/template-chart-bad-type.txt", wantError: true },
  { name: "check chart with dependency which is an app chart acting as a library chart", args: ["testdata/testcharts/chart-with-template-lib-dep"], golden: "output/template-chart-with-template-lib-dep.txt" },
  { name: "check chart with dependency which is an app chart archive acting as a library chart", args: ["testdata/testcharts/chart-with-template-lib-archive-dep"], golden: "output/template-chart-with-template-lib-archive-dep.txt" },
  { name: "check kube version", args: ["--kube-version", "1.16.0", chartPath], golden: "output/template-with-kube-version.txt" },
  { name: "check kube api versions", args: ["--api-versions", "helm.k8s.io/test", chartPath], golden: "output/template-with-api-version.txt" },
  { name: "template with CRDs", args: [chartPath, "--include-crds"], golden: "output/template-with-crds.txt" },
  { name: "template with show-only one", args: [chartPath, "--show-only", "templates/service.yaml"], golden: "output/template-show-only-one.txt" },
  { name: "template with show-only multiple", args: [chartPath, "--show-only", "templates/service.yaml", "--show-only", "charts/subcharta/templates/service.yaml"], golden: "output/template-show-only-multiple.txt" },
  { name: "template with show-only glob", args: [chartPath, "--show-only", "templates/subdir/role*"], golden: "output/template-show-only-glob.txt" },
  { name: "sorted output of manifests", args: ["testdata/testcharts/object-order"], golden: "output/object-order.txt" },
  { name: "chart with template with invalid yaml", args: ["testdata/testcharts/chart-with-template-with-invalid-yaml"], golden: "output/template-with-invalid-yaml.txt", wantError: true },
  { name: "template skip-tests", args: [chartPath, "--skip-tests"], golden: "output/template-skip-tests.txt" },
  { name: "ensure nil/null values pass to subcharts delete values", args: ["testdata/testcharts/issue-9027"], golden: "output/issue-9027.txt" },
  { name: "template with imported subchart values ensuring import", args: [chartPath, "--set", "configmap.enabled=true", "--set", "subchartb.enabled=true"], golden: "output/template-subchart-cm.txt" },
  { name: "template with imported subchart values set with --set", args: [chartPath, "--set", "configmap.enabled=true", "--set", "subchartb.enabled=true", "--set", "configmap.value=baz"], golden: "output/template-subchart-cm-set.txt" },
  { name: "template with imported subchart values set with -f", args: [chartPath, "-f", `${chartPath}/extra_values.yaml`], golden: "output/template-subchart-cm-set-file.txt" },
];

export interface GoldenRunOptions {
  readonly checkout: string;
  readonly verbose: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
}

/** Runs every case; returns the exit code (0 when all match). */
export function runTemplateGoldens(options: GoldenRunOptions): number {
  const { checkout, verbose, out } = options;
  const root = resolve(checkout);
  const cmdDir = [join(root, "cmd/helm"), join(root, "pkg/cmd")].find((d) => existsSync(join(d, "testdata/output/template.txt")));
  if (cmdDir === undefined) {
    out(`no testdata/output/template.txt under ${root}/cmd/helm or ${root}/pkg/cmd\n`);
    return 2;
  }
  const cli = join(dirname(fileURLToPath(import.meta.url)), "../../../cli/main.js");
  const env = options.env;
  let matched = 0;
  const failures: string[] = [];
  for (const c of CASES) {
    const args = [...c.args];
    if (!args.includes("--kube-version")) args.push("--kube-version", "1.20.0");
    const run = spawnSync(process.execPath, [cli, "helm", "template", ...args], { cwd: cmdDir, encoding: "utf8", env: { ...env, NO_COLOR: "1" } });
    const golden = readFileSync(join(cmdDir, "testdata", c.golden), "utf8");
    let actual: string;
    let expected: string;
    if (c.wantError === true) {
      expected = golden.replace(/^Error: /, "").trimEnd();
      // Our CLI prefixes `error[CODE]: ` and, when Helm's message does not name the file, `FILE: `.
      actual = run.stderr.replace(/^error\[[A-Z_]+\]: /, "").trimEnd();
      const located = /^([^\s:]+\.(?:yaml|json|tpl|txt)): /.exec(actual);
      if (located !== null && !expected.startsWith(located[0])) actual = actual.slice(located[0].length);
      if (run.status === 0) actual = `(exit 0) ${run.stdout}`;
    } else {
      expected = golden;
      actual = run.status === 0 ? run.stdout : `(exit ${String(run.status)}) ${run.stderr}`;
    }
    if (actual === expected) {
      matched++;
      if (verbose) out(`ok   ${c.name}\n`);
    } else failures.push(`FAIL ${c.name} (${c.golden})\n${diff(expected, actual)}`);
  }
  for (const f of failures) out(`${f}\n`);
  out(`helm template goldens: ${matched}/${CASES.length} byte for byte\n`);
  return failures.length === 0 ? 0 : 1;
}

/** A small line diff: the first differing lines with context (enough to see what broke). */
function diff(expected: string, actual: string): string {
  const e = expected.split("\n");
  const a = actual.split("\n");
  const out: string[] = [];
  const n = Math.max(e.length, a.length);
  let shown = 0;
  for (let i = 0; i < n && shown < 20; i++) {
    if (e[i] === a[i]) continue;
    out.push(`  line ${i + 1}:`, `  - ${JSON.stringify(e[i] ?? "<none>")}`, `  + ${JSON.stringify(a[i] ?? "<none>")}`);
    shown++;
  }
  return out.join("\n");
}
