import { describe, expect, it } from "vitest";
import { encodeMessage, generateSigningKey, signHello, subjects } from "../protocol/index.js";
import { ClusterRegistry } from "./cluster-registry.js";

const FLEET = "prod";
const key = generateSigningKey();
const armored = (body: string): string => `-----BEGIN AGE ENCRYPTED FILE-----\n${Buffer.from(body).toString("base64")}\n-----END AGE ENCRYPTED FILE-----\n`;

function hello(registry: ClusterRegistry, keyBackup: string | undefined, now: number): void {
  const message = signHello({ fleet: FLEET, cluster: "eu-1", sentAt: new Date(now).toISOString(), spokeVersion: "test", keyBackup }, key);
  const result = registry.ingest({ subject: subjects.hello(FLEET, "eu-1"), data: encodeMessage(message) }, now);
  expect(result.ok).toBe(true);
}

describe("ClusterRegistry key backups", () => {
  it("keeps the backup out of the per-heartbeat snapshot, with a digest", () => {
    const registry = new ClusterRegistry(FLEET);
    hello(registry, armored("one"), 1000);
    const backup = registry.get("eu-1")?.keyBackup;
    expect(backup).toEqual({ armored: armored("one"), receivedAt: 1000, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown });
    expect(registry.snapshot("eu-1")).not.toHaveProperty("keyBackup");
    expect(JSON.stringify(registry.snapshot("eu-1"))).not.toContain("AGE ENCRYPTED");
  });

  it("keeps the entry (and when it first arrived) for the same content; replaces it for new content", () => {
    const registry = new ClusterRegistry(FLEET);
    hello(registry, armored("one"), 1000);
    const first = registry.get("eu-1")?.keyBackup;
    hello(registry, armored("one"), 2000);
    expect(registry.get("eu-1")?.keyBackup).toBe(first);
    hello(registry, undefined, 2500);
    expect(registry.get("eu-1")?.keyBackup).toBe(first);
    hello(registry, armored("two"), 3000);
    expect(registry.get("eu-1")?.keyBackup).toMatchObject({ armored: armored("two"), receivedAt: 3000 });
    expect(registry.get("eu-1")?.keyBackup?.digest).not.toBe(first?.digest);
  });

  it("restores backups kept apart over inline ones (older records), and drops unusable ones", () => {
    const registry = new ClusterRegistry(FLEET);
    registry.restore(
      new Map<string, unknown>([
        ["eu-1", { name: "eu-1", keyBackup: { armored: armored("inline"), receivedAt: 1 } }],
        ["us-1", { name: "us-1", keyBackup: { armored: armored("inline-only"), receivedAt: 2 } }],
      ]),
    );
    registry.restoreKeyBackups(
      new Map<string, unknown>([
        ["eu-1", { armored: armored("apart"), receivedAt: 5, digest: "sha256:stale" }],
        ["dev-1", { armored: "-----BEGIN RSA PRIVATE KEY-----\n", receivedAt: 6 }],
      ]),
    );
    expect(registry.get("eu-1")?.keyBackup).toMatchObject({ armored: armored("apart"), receivedAt: 5 });
    // The digest is recomputed, never taken from the record.
    expect(registry.get("eu-1")?.keyBackup?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(registry.get("us-1")?.keyBackup).toMatchObject({ armored: armored("inline-only"), receivedAt: 2 });
    expect(registry.get("dev-1")?.keyBackup).toBeUndefined();
  });
});
