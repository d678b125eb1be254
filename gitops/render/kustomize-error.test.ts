import { describe, expect, it } from "vitest";
import { describeKustomizeFailure } from "./kustomize-error.js";

const root = "/tmp/flotilla-kustomize-AbC123";

describe("describeKustomizeFailure", () => {
  it("drops the klog wrapper and names the file and line of malformed YAML", () => {
    const stderr = `E1207 20:58:08.504360    9537 run.go:72] "command failed" err="accumulating resources: accumulating resources from 'deploy.yaml': MalformedYAMLError: yaml: line 5: did not find expected ',' or ']' in File: deploy.yaml"\n`;
    const f = describeKustomizeFailure(stderr, { root, path: "apps/web", kustomization: "apps/web/kustomization.yaml" });
    expect(f).toEqual({
      message: "malformed YAML: yaml: line 5: did not find expected ',' or ']'",
      file: "apps/web/deploy.yaml",
      line: 5,
    });
  });

  it("points at the kustomization when it does not parse", () => {
    const stderr = `E1207 20:58:08.576628    9566 run.go:72] "command failed" err="invalid Kustomization: yaml: line 3: mapping values are not allowed in this context"`;
    const f = describeKustomizeFailure(stderr, { root, path: "apps/web", kustomization: "apps/web/kustomization.yaml" });
    expect(f.file).toBe("apps/web/kustomization.yaml");
    expect(f.line).toBe(3);
    expect(f.message).toBe("invalid Kustomization: yaml: line 3: mapping values are not allowed in this context");
  });

  it("names the base's file when an overlay's base does not parse", () => {
    const stderr = `E1207 21:07:09.678534   21542 run.go:72] "command failed" err="accumulating resources: accumulation err='accumulating resources from '../../base': '${root}/apps/web/base' must resolve to a file': recursed accumulation of path '${root}/apps/web/base': accumulating resources: accumulating resources from 'deployment.yaml': MalformedYAMLError: yaml: line 4: did not find expected ',' or ']' in File: deployment.yaml"`;
    for (const overlay of ["prod", "staging"]) {
      const f = describeKustomizeFailure(stderr, { root, path: `apps/web/overlays/${overlay}`, kustomization: `apps/web/overlays/${overlay}/kustomization.yaml` });
      expect(f).toEqual({ message: "malformed YAML: yaml: line 4: did not find expected ',' or ']'", file: "apps/web/base/deployment.yaml", line: 4 });
    }
  });

  it("never shows the temporary directory", () => {
    const stderr = `E1207 20:58:44.262495   11215 run.go:72] "command failed" err="accumulating resources: accumulation err='accumulating resources from '../base': '${root}/apps/base' must resolve to a file': lstat ${root}/apps/base/missing.yaml: no such file or directory; open /tmp/kustomize-999/x"`;
    const f = describeKustomizeFailure(stderr, { root, path: "apps/web", kustomization: "apps/web/kustomization.yaml" });
    expect(f.message).not.toContain("/tmp/");
    expect(f.message).toContain("lstat apps/base/missing.yaml");
    expect(f.file).toBe("apps/base");
  });
});
