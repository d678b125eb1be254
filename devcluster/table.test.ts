import { describe, expect, it } from "vitest";
import { BUILTIN_RESOURCES } from "./builtin-resources.js";
import { resourceTypesOfCrd } from "./resource-registry.js";
import { humanDuration, toTable } from "./table.js";

const now = Date.parse("2026-01-01T01:00:00Z");

describe("toTable", () => {
  it("prints Deployment columns with ready counts and ages", () => {
    const type = BUILTIN_RESOURCES.find((t) => t.kind === "Deployment")!;
    const table = toTable(type, [{ metadata: { name: "web", creationTimestamp: "2026-01-01T00:59:30Z" }, spec: { replicas: 3 }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } }], {
      now,
      resourceVersion: "7",
      includeObject: "Metadata",
    }) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[]; object: { kind: string } }[]; metadata: unknown };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age"]);
    expect(table.rows[0]?.cells).toEqual(["web", "2/3", 3, 2, "30s"]);
    expect(table.rows[0]?.object.kind).toBe("PartialObjectMetadata");
    expect(table.metadata).toEqual({ resourceVersion: "7" });
  });

  it("uses a CRD's printer columns instead of Age, rendering date columns as ages", () => {
    const [type] = resourceTypesOfCrd({
      metadata: { name: "gizmos.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "gizmos", kind: "Gizmo" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            additionalPrinterColumns: [
              { name: "Colour", type: "string", jsonPath: ".spec.colour" },
              { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
            ],
          },
        ],
      },
    });
    const table = toTable(type, [{ metadata: { name: "g", creationTimestamp: "2026-01-01T00:00:00Z" }, spec: { colour: "red" } }], { now, resourceVersion: "1", includeObject: "None" }) as {
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Colour", "Age"]);
    expect(table.rows[0]?.cells).toEqual(["g", "red", "60m"]);
  });

  it("formats durations like kubectl", () => {
    expect([5_000, 150_000, 3_600_000, 5 * 3_600_000 + 60_000, 3 * 86_400_000].map(humanDuration)).toEqual(["5s", "2m30s", "60m", "5h1m", "3d"]);
  });
});
