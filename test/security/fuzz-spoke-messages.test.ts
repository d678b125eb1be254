// Fuzzing the hub's boundary with spokes: Hello, Heartbeat and StatusReport as the hub ingests them
// (ClusterRegistry.ingest: subject check, size, JSON, schema, signature). The insider is a spoke (or
// whoever holds its NATS credentials) with its own status key: it can sign anything it likes, so the
// mutated messages are re-signed. Ingest must answer with a protocol code or accept, never throw, and
// what it keeps must stay usable by the hub's read side (labels, connection, persisted snapshot).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterRegistry } from "../../hub/cluster-registry.js";
import {
  PROTOCOL_ERROR_CODES,
  canonicalJson,
  encodeMessage,
  generateSigningKey,
  signBytes,
  signHeartbeat,
  signHello,
  signStatusReport,
  subjects,
  type IncomingSpokeMessage,
} from "../../protocol/index.js";
import { applyMutation, bounded, bounds, byteDamage, damageBytes, expectNoPollution, mutation, toJsonBytes, type Mutation } from "./fuzz-support.js";

const FLEET = "prod";
const spoke = generateSigningKey();
const sentAt = "2026-01-01T00:00:00.000Z";
const CODES = Object.values(PROTOCOL_ERROR_CODES);
// The signing domains of docs/protocol.md ("Signed status").
const DOMAIN = { Hello: "flotilla.dev/hello/v1\n", Heartbeat: "flotilla.dev/heartbeat/v1\n", StatusReport: "flotilla.dev/status/v1\n" } as const;

const hello = signHello(
  { fleet: FLEET, cluster: "eu-1", sentAt, spokeVersion: "0.1.0", labels: { env: "prod", tier: "gold" }, appliedGeneration: 2, appliedRevision: "abc" },
  spoke,
);
const heartbeat = signHeartbeat({ fleet: FLEET, cluster: "eu-1", sentAt, appliedGeneration: 2 }, spoke);
const report = signStatusReport(
  {
    fleet: FLEET,
    cluster: "eu-1",
    sentAt,
    generation: 3,
    revision: "abc",
    apps: [
      {
        name: "web",
        sync: "Synced",
        health: "Degraded",
        error: { code: "APPLY_FAILED", message: "x" },
        objects: [{ kind: "Deployment", name: "web", namespace: "web", sync: "Synced", health: "Degraded", message: "0/1 ready" }],
      },
    ],
    errors: [{ code: "X", message: "y" }],
  },
  spoke,
);

/** The spoke re-signs whatever it sends (it holds the key); a value it cannot even canonicalize goes unsigned. */
function resign(message: unknown, kind: keyof typeof DOMAIN): Uint8Array {
  if (typeof message === "object" && message !== null && !Array.isArray(message)) {
    const { signature: _signature, ...rest } = message as Record<string, unknown>;
    try {
      const signature = signBytes(Buffer.from(DOMAIN[kind] + canonicalJson(rest), "utf8"), spoke);
      return toJsonBytes({ ...rest, signature });
    } catch {
      // deep or not canonicalizable: sent as is
    }
  }
  return toJsonBytes(message);
}

/** Ingest with the hub's promise: never throws; a refusal carries a protocol code; state stays usable. */
function ingest(registry: ClusterRegistry, incoming: IncomingSpokeMessage): void {
  const result = bounded(() => registry.ingest(incoming, 1_000));
  expectNoPollution();
  if (!result.ok) {
    expect(CODES as string[]).toContain(result.code);
    expect(result.reason).not.toBe("");
  }
  for (const entry of registry.all()) {
    bounded(() => {
      registry.labels(entry.name);
      registry.connection(entry.name, 2_000);
      JSON.stringify(registry.snapshot(entry.name));
    });
  }
  expectNoPollution();
}

function freshRegistry(): ClusterRegistry {
  const registry = new ClusterRegistry(FLEET);
  const first = registry.ingest({ subject: subjects.hello(FLEET, "eu-1"), data: encodeMessage(hello) }, 0);
  expect(first.ok).toBe(true);
  return registry;
}

const cases = [
  { kind: "Hello" as const, message: hello, subject: subjects.hello(FLEET, "eu-1") },
  { kind: "Heartbeat" as const, message: heartbeat, subject: subjects.hello(FLEET, "eu-1") },
  { kind: "StatusReport" as const, message: report, subject: subjects.status(FLEET, "eu-1") },
];

describe("fuzz: spoke messages as the hub ingests them", () => {
  it("the valid messages are accepted (the baseline the mutations start from)", () => {
    const registry = freshRegistry();
    for (const c of cases) expect(registry.ingest({ subject: c.subject, data: encodeMessage(c.message) }, 1).ok).toBe(true);
  });

  it("damaged bytes are refused with a protocol code", () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases), byteDamage, (c, d) => {
        ingest(freshRegistry(), { subject: c.subject, data: damageBytes(encodeMessage(c.message), d) });
      }),
      bounds(300, 1_000),
    );
  });

  it("re-signed mutated messages (retyped, huge, deep, __proto__ labels, …) are refused with a code or accepted harmlessly", () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases), mutation, (c, m: Mutation) => {
        ingest(freshRegistry(), { subject: c.subject, data: resign(applyMutation(c.message, m), c.kind) });
      }),
      bounds(400, 1_500),
    );
  });

  it("a __proto__ label is refused (the schema drops the key, so the signature no longer matches); constructor is a plain label", () => {
    const registry = new ClusterRegistry(FLEET);
    for (const value of ['{"polluted":"yes"}', '"p"']) {
      const labels = JSON.parse(`{"__proto__":${value},"env":"prod"}`) as Record<string, string>;
      const result = registry.ingest({ subject: subjects.hello(FLEET, "eu-1"), data: resign({ ...hello, labels }, "Hello") }, 0);
      expect(!result.ok && result.code).toBe(PROTOCOL_ERROR_CODES.messageSignatureInvalid);
    }
    const plain = JSON.parse('{"constructor":"x","env":"prod"}') as Record<string, string>;
    expect(registry.ingest({ subject: subjects.hello(FLEET, "eu-1"), data: resign({ ...hello, labels: plain }, "Hello") }, 0).ok).toBe(true);
    expect(Object.getPrototypeOf(registry.labels("eu-1"))).toBe(Object.prototype);
    expect(registry.labels("eu-1")).toEqual({ constructor: "x", env: "prod" });
    expectNoPollution();
  });

  it("random subjects, replies and bodies are refused with a code", () => {
    const subject = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.tuple(fc.constantFrom("prod", "stage", "*", ">", ""), fc.constantFrom("hello", "status", "notify", "x"), fc.string({ maxLength: 20 })).map(
        ([fleet, kind, cluster]) => `flotilla.${fleet}.${kind}.${cluster}`,
      ),
    );
    fc.assert(
      fc.property(subject, fc.option(fc.string({ maxLength: 30 })), fc.constantFrom(...cases), (s, reply, c) => {
        ingest(freshRegistry(), { subject: s, reply: reply ?? undefined, data: encodeMessage(c.message) });
      }),
      bounds(300, 1_000),
    );
  });
});
