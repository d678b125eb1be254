import { describe, expect, it } from "vitest";
import { parseManifestFile } from "./manifest-objects.js";

const job = (meta: string, annotations: string): string => `apiVersion: batch/v1
kind: Job
metadata:
${meta}${annotations}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: ghcr.io/example/migrate:1}]
`;

describe("parseManifestFile", () => {
  it("accepts a hook named by the API server (generateName), as Argo CD does", () => {
    const [obj] = parseManifestFile(job("  generateName: migrate-\n", "  annotations:\n    argocd.argoproj.io/hook: PreSync\n"), "apps/db/migrate.yaml");
    expect(obj?.metadata).toMatchObject({ generateName: "migrate-", annotations: { "argocd.argoproj.io/hook": "PreSync" } });
    expect(obj?.metadata.name).toBeUndefined();
  });

  it("rejects generateName on an object that is not a hook, naming the file and line", () => {
    expect(() => parseManifestFile(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\n${job("  generateName: migrate-\n", "")}`, "apps/db/migrate.yaml")).toThrow(
      expect.objectContaining({ code: "GITOPS_INVALID", file: "apps/db/migrate.yaml", field: "line 5", message: expect.stringMatching(/^Job has generateName but no metadata.name: only hooks/) as unknown }),
    );
  });

  it("rejects an object with neither name nor generateName", () => {
    expect(() => parseManifestFile(job("  labels: {a: b}\n", ""), "x.yaml")).toThrow(expect.objectContaining({ message: "Job has no metadata.name", field: "line 1" }));
  });
});
