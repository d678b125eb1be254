import { describe, expect, it } from "vitest";
import { isDevClusterError, type DevClusterError } from "./devcluster-errors.js";
import { injectedFailure, neverReady, unpullableImages, validateFaults, type DevClusterFaults } from "./fault-injection.js";

function rejection(faults: unknown, file?: string): DevClusterError {
  try {
    validateFaults(faults as DevClusterFaults, file === undefined ? {} : { file });
  } catch (err) {
    if (isDevClusterError(err)) return err;
    throw err;
  }
  throw new Error("expected DEVCLUSTER_INVALID_FAULTS");
}

describe("validateFaults", () => {
  it("accepts every fault, and nothing at all", () => {
    const all: DevClusterFaults = {
      errorRate: 0.5,
      errorStatuses: [429, 503],
      neverReadyDeployments: ["shop/web"],
      dropWatchesAfterMs: 0,
      unpullableImages: ["nginx:does-not-exist", "*:bad"],
    };
    expect(validateFaults(all)).toEqual(all);
    expect(validateFaults({})).toEqual({});
  });

  it("names the field, and the file when the faults came from one", () => {
    const cases: [unknown, string][] = [
      [{ errorRate: 2 }, "faults.errorRate"],
      [{ errorRate: "0.5" }, "faults.errorRate"],
      [{ errorStatuses: [404] }, "faults.errorStatuses"],
      [{ errorStatuses: 503 }, "faults.errorStatuses"],
      [{ dropWatchesAfterMs: -1 }, "faults.dropWatchesAfterMs"],
      [{ neverReadyDeployments: "web" }, "faults.neverReadyDeployments"],
      [{ unpullableImages: "nginx:bad" }, "faults.unpullableImages"],
      [{ unpullableImages: ["nginx:bad", 3] }, "faults.unpullableImages"],
      [{ unpullableImages: [""] }, "faults.unpullableImages"],
      [{ unpulableImages: ["nginx:bad"] }, "faults.unpulableImages"],
      [["nginx:bad"], "faults"],
      [null, "faults"],
    ];
    for (const [faults, field] of cases) {
      const err = rejection(faults, "/tmp/faults.json");
      expect(err.code).toBe("DEVCLUSTER_INVALID_FAULTS");
      expect(err.field).toBe(field);
      expect(err.file).toBe("/tmp/faults.json");
      expect(err.userError).toBe(true);
    }
    expect(rejection({ unpulableImages: [] }).message).toContain("unknown fault \"unpulableImages\"");
    expect(rejection({ errorRate: -1 }).file).toBeUndefined();
  });
});

describe("unpullableImages", () => {
  it("matches image references exactly or by * glob", () => {
    const faults: DevClusterFaults = { unpullableImages: ["nginx:does-not-exist", "*:broken", "registry.example/*/api:*-rc"] };
    expect(unpullableImages(faults, ["nginx:does-not-exist", "nginx:1.27", "nginx"])).toEqual(["nginx:does-not-exist"]);
    expect(unpullableImages(faults, ["busybox:broken", "ghcr.io/acme/web:broken", "web:broken-not"])).toEqual(["busybox:broken", "ghcr.io/acme/web:broken"]);
    expect(unpullableImages(faults, ["registry.example/team/api:2.0-rc", "registry.example/api:2.0-rc", "registry.example/team/api:2.0"])).toEqual(["registry.example/team/api:2.0-rc"]);
    expect(unpullableImages({ unpullableImages: ["*"] }, ["anything", ""])).toEqual(["anything", ""]);
    expect(unpullableImages({ unpullableImages: ["a*a"] }, ["a", "aa", "aba"])).toEqual(["aa", "aba"]);
    expect(unpullableImages({}, ["nginx:does-not-exist"])).toEqual([]);
  });

  it("leaves the other faults as they were", () => {
    expect(neverReady({ neverReadyDeployments: ["shop/web"] }, "shop", "web")).toBe(true);
    expect(neverReady({ unpullableImages: ["*"] }, "shop", "web")).toBe(false);
    expect(injectedFailure({ unpullableImages: ["*"] }, () => 0)).toBeUndefined();
  });
});
