import { describe, expect, it } from "vitest";
import { memorySnapshot, SnapshotBuilder } from "../repo-snapshot.js";
import { envsubst, readArgoHelmSource, type ArgoBuildEnv } from "./argo-helm-source.js";
import { chartRenderOptions, INLINE_VALUES, type ChartAppRequest } from "./chart-app.js";
import type { LoadedChart } from "./helm-engine-port.js";

// Argo CD's source.helm → one helm template invocation (reposerver helmTemplate), as data.

const where = { file: "appsets/web.yaml", field: "spec.template.spec.source.helm" };
const env: ArgoBuildEnv = {
  ARGOCD_APP_NAME: "web-prod",
  ARGOCD_APP_NAMESPACE: "web",
  ARGOCD_APP_PROJECT_NAME: "default",
  ARGOCD_APP_REVISION: "0123456789abcdef",
  ARGOCD_APP_REVISION_SHORT: "0123456",
  ARGOCD_APP_SOURCE_REPO_URL: ".",
  ARGOCD_APP_SOURCE_PATH: "charts/web",
  ARGOCD_APP_SOURCE_TARGET_REVISION: "HEAD",
  KUBE_VERSION: "",
  KUBE_API_VERSIONS: "",
};
const repo = memorySnapshot({
  "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
  "charts/web/values-prod.yaml": "color: red\nsize: 2\n",
  "charts/web/values-web-prod.yaml": "size: 3\n",
  "envs/common.yaml": "size: 9\n",
  "charts/web/files/motd.txt": "hello",
});
const refRepo = memorySnapshot({ "prod/values.yaml": "color: blue\n" });
const loaded = { files: new Map() } as unknown as LoadedChart;

function request(helm: unknown): ChartAppRequest {
  return {
    origin: { kind: "git", snapshot: repo, path: "charts/web" },
    helm: readArgoHelmSource(helm, where),
    appName: "web-prod",
    namespace: "web",
    refs: new Map([["values", refRepo]]),
    env,
    file: where.file,
    field: "spec.template.spec.source",
  };
}

describe("Argo CD helm source fields", () => {
  it("orders value files as written, resolving chart-relative, repo-absolute, $ref and $ARGOCD_APP_NAME paths", () => {
    const o = chartRenderOptions(request({ valueFiles: ["values-prod.yaml", "/envs/common.yaml", "$values/prod/values.yaml", "values-$ARGOCD_APP_NAME.yaml", "values-prod.yaml"] }), loaded);
    expect(o.valueFiles.map((f) => f.name)).toEqual(["charts/web/values-prod.yaml", "envs/common.yaml", "$values/prod/values.yaml", "charts/web/values-web-prod.yaml"]);
    expect(o.valueFiles.map((f) => f.text)).toEqual(["color: red\nsize: 2\n", "size: 9\n", "color: blue\n", "size: 3\n"]);
    expect(o.releaseName).toBe("web-prod");
    expect(o.namespace).toBe("web");
    expect(o.includeCrds).toBe(true);
  });

  it("valuesObject wins over values; parameters become --set then --set-string, the last of a name winning; commas are one value", () => {
    const o = chartRenderOptions(
      request({
        values: "color: green\n",
        valuesObject: { color: "pink" },
        parameters: [
          { name: "a", value: "1" },
          { name: "b", value: "x,y", forceString: true },
          { name: "a", value: "2" },
          { name: "list", value: "{p,q}" },
          { name: "app", value: "$ARGOCD_APP_NAME" },
        ],
        fileParameters: [{ name: "motd", path: "files/motd.txt" }],
        releaseName: "custom",
        namespace: "other",
        skipCrds: true,
        skipTests: true,
        skipSchemaValidation: true,
        kubeVersion: "1.29.0",
        apiVersions: ["monitoring.coreos.com/v1"],
      }),
      loaded,
    );
    expect(o.valueFiles).toEqual([{ name: INLINE_VALUES, text: '{"color":"pink"}' }]);
    expect(o.set).toEqual(["a=2", "list={p,q}", "app=web-prod"]);
    expect(o.setString).toEqual(["b=x\\,y"]);
    expect(o.setFile).toEqual([{ name: "motd", content: "hello" }]);
    expect(o).toMatchObject({ releaseName: "custom", namespace: "other", includeCrds: false, skipTests: true, skipSchemaValidation: true, kubeVersion: "1.29.0", apiVersions: ["monitoring.coreos.com/v1"] });
    expect(chartRenderOptions(request({ values: "color: green\n" }), loaded).valueFiles).toEqual([{ name: INLINE_VALUES, text: "color: green\n" }]);
  });

  it("skips missing value files only with ignoreMissingValueFiles, and names the field otherwise", () => {
    expect(chartRenderOptions(request({ valueFiles: ["nope.yaml"], ignoreMissingValueFiles: true }), loaded).valueFiles).toEqual([]);
    expect(() => chartRenderOptions(request({ valueFiles: ["values-prod.yaml", "nope.yaml"] }), loaded)).toThrow(
      expect.objectContaining({ code: "GITOPS_NOT_FOUND", file: where.file, field: "spec.template.spec.source.helm.valueFiles[1]" }),
    );
  });

  it("refuses value files that leave the repository and URL schemes Argo does not allow, with the field", () => {
    const code = (helm: unknown): unknown => {
      try {
        chartRenderOptions(request(helm), loaded);
        return undefined;
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    expect(code({ valueFiles: ["../../../etc/passwd"] })).toBe("GITOPS_PATH_ESCAPE");
    expect(code({ valueFiles: ["$values/../x.yaml"] })).toBe("GITOPS_PATH_ESCAPE");
    expect(code({ valueFiles: ["file:///etc/passwd"] })).toBe("GITOPS_INVALID");
    expect(code({ valueFiles: ["s3://bucket/values.yaml"] })).toBe("GITOPS_INVALID");
    expect(code({ valueFiles: ["../../../*"] })).toBe("GITOPS_PATH_ESCAPE");
    expect(code({ fileParameters: [{ name: "x", path: "*.txt" }] })).toBe("GITOPS_INVALID");
  });

  it("expands glob value files in lexical order, explicit entries keeping their position, $ref globs from the ref's root", () => {
    const o = chartRenderOptions(request({ valueFiles: ["values-*.yaml", "values-prod.yaml", "$values/*/values.yaml"] }), loaded);
    expect(o.valueFiles.map((f) => f.name)).toEqual(["charts/web/values-web-prod.yaml", "charts/web/values-prod.yaml", "$values/prod/values.yaml"]);
    expect(chartRenderOptions(request({ valueFiles: ["/envs/**/*.yaml"] }), loaded).valueFiles).toEqual([{ name: "envs/common.yaml", text: "size: 9\n" }]);
    expect(chartRenderOptions(request({ valueFiles: ["nothing-*.yaml"], ignoreMissingValueFiles: true }), loaded).valueFiles).toEqual([]);
    expect(() => chartRenderOptions(request({ valueFiles: ["nothing-*.yaml"] }), loaded)).toThrow(
      expect.objectContaining({ code: "GITOPS_NOT_FOUND", message: 'values file glob "nothing-*.yaml" matched no files', field: "spec.template.spec.source.helm.valueFiles[0]" }),
    );
  });

  it("uses URL value files fetched before rendering, in their place", () => {
    const url = "https://charts.example.com/values/prod.yaml";
    const o = chartRenderOptions({ ...request({ valueFiles: ["values-prod.yaml", url] }), remoteValues: new Map([[url, "color: url\n"]]) }, loaded);
    expect(o.valueFiles).toEqual([{ name: "charts/web/values-prod.yaml", text: "color: red\nsize: 2\n" }, { name: url, text: "color: url\n" }]);
    expect(() => chartRenderOptions(request({ valueFiles: [url] }), loaded)).toThrow(expect.objectContaining({ code: "GITOPS_CHART_FETCH" }));
  });

  it("a glob match that is a symlink out of the repository is refused (Argo's verifyGlobMatchesWithinRoot)", () => {
    const b = new SnapshotBuilder("memory");
    b.add("charts/web/Chart.yaml", { kind: "file", data: new TextEncoder().encode("apiVersion: v2\nname: web\nversion: 1.0.0\n") });
    b.add("charts/web/values-a.yaml", { kind: "file", data: new TextEncoder().encode("a: 1\n") });
    b.add("charts/web/values-z.yaml", { kind: "symlink", target: "../../../../etc/passwd" });
    const snap = b.build("r1");
    const req = { ...request({ valueFiles: ["values-*.yaml"] }), origin: { kind: "git" as const, snapshot: snap, path: "charts/web" } };
    expect(() => chartRenderOptions(req, loaded)).toThrow(expect.objectContaining({ code: "GITOPS_PATH_ESCAPE" }));
  });

  it("checks the fields' types and names the field", () => {
    expect(() => readArgoHelmSource({ valueFile: ["x"] }, where)).toThrow(expect.objectContaining({ code: "GITOPS_INVALID", field: `${where.field}.valueFile` }));
    expect(() => readArgoHelmSource({ parameters: [{ value: "1" }] }, where)).toThrow(expect.objectContaining({ field: `${where.field}.parameters[0].name` }));
    expect(() => readArgoHelmSource({ skipCrds: "yes" }, where)).toThrow(expect.objectContaining({ field: `${where.field}.skipCrds` }));
    expect(() => readArgoHelmSource({ version: "v2" }, where)).toThrow(expect.objectContaining({ field: `${where.field}.version` }));
    expect(() => readArgoHelmSource({ values: "a: [" }, where)).toThrow(expect.objectContaining({ code: "GITOPS_PARSE", field: `${where.field}.values` }));
  });

  it("substitutes the build environment as Go's os.Expand does", () => {
    expect(envsubst("$ARGOCD_APP_NAME-${ARGOCD_APP_NAMESPACE}-$UNKNOWN-$$", env)).toBe("web-prod-web--$");
  });
});
