import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson as gitopsCanonicalJson, canonicalJsonCached } from "../gitops/canonical-json.js";
import { deepFreeze } from "../gitops/render/manifest-objects.js";
import { decodeBundle, encodeBundle } from "./bundle-codec.js";
import { canonicalJson, carriesSopsMetadata } from "./canonical-json.js";
import { parseWith } from "./decode.js";
import { bundleSchema, type Bundle } from "./schemas.js";

/** A Flux-style SOPS Secret as committed: `type` before `stringData`, `password` before `api-token`. */
const sopsSecret = () => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "sops", namespace: "vault", labels: { "z-team": "a", app: "b" } },
  type: "Opaque",
  stringData: { password: "ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]", "api-token": "ENC[AES256_GCM,data:AQ==,iv:AA==,tag:AA==,type:str]" },
  sops: { mac: "ENC[AES256_GCM,data:Ag==,iv:AA==,tag:AA==,type:str]", version: "3.10.2", age: [{ recipient: "age1x", enc: "-----BEGIN" }] },
});

const bundleWith = (objects: Bundle["apps"][number]["objects"]): Bundle => ({
  apiVersion: "flotilla.dev/v1",
  kind: "Bundle",
  cluster: "eu-1",
  revision: "r1",
  apps: [{ name: "vault", namespace: "vault", objects }],
});

/** Every object of a JSON value with its keys reversed (a different document order, same value). */
const reversed = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)));

describe("canonicalJson and SOPS manifests", () => {
  it("writes an object carrying sops metadata, and everything under it, in its own key order", () => {
    const secret = sopsSecret();
    expect(canonicalJson(secret)).toBe(JSON.stringify(secret));
    // Its neighbours are still sorted, and so is an equal object without sops metadata.
    expect(canonicalJson({ z: 1, objects: [secret], a: { d: 1, c: 2 } })).toBe(`{"a":{"c":2,"d":1},"objects":[${JSON.stringify(secret)}],"z":1}`);
    const { sops: _sops, ...plain } = secret;
    expect(canonicalJson(plain)).toBe(
      '{"apiVersion":"v1","kind":"Secret","metadata":{"labels":{"app":"b","z-team":"a"},"name":"sops","namespace":"vault"},"stringData":{"api-token":"ENC[AES256_GCM,data:AQ==,iv:AA==,tag:AA==,type:str]","password":"ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]"},"type":"Opaque"}',
    );
  });

  it("recognises sops metadata only as a mapping (a string, list or null `sops` member is data)", () => {
    expect(carriesSopsMetadata({ sops: {} })).toBe(true);
    for (const sops of ["x", [], null, 1, undefined]) expect(carriesSopsMetadata({ sops })).toBe(false);
    expect(canonicalJson({ b: 1, sops: "x", a: 2 })).toBe('{"a":2,"b":1,"sops":"x"}');
    expect(canonicalJson({ b: 1, data: { sops: "x" }, a: 2 })).toBe('{"a":2,"b":1,"data":{"sops":"x"}}');
  });

  it("stays a function of the value and its order: the same document gives the same bytes, another order other bytes", () => {
    const secret = sopsSecret();
    expect(encodeBundle(bundleWith([secret])).digest).toBe(encodeBundle(bundleWith([structuredClone(secret)])).digest);
    // Reordering a SOPS file is a change (sops itself would reject it), so it is a new digest.
    expect(encodeBundle(bundleWith([reversed(secret) as typeof secret])).digest).not.toBe(encodeBundle(bundleWith([secret])).digest);
    // Without sops metadata, order never matters.
    const { sops: _sops, ...plain } = secret;
    expect(encodeBundle(bundleWith([reversed(plain) as typeof plain])).digest).toBe(encodeBundle(bundleWith([plain])).digest);
  });

  it("round-trips a bundle through its bytes in the document's order; zod alone would reorder it", () => {
    const secret = reversed(sopsSecret()) as ReturnType<typeof sopsSecret>;
    const bytes = encodeBundle(bundleWith([secret])).bytes;
    const decoded = decodeBundle(bytes);
    expect(JSON.stringify(decoded.apps[0]?.objects[0])).toBe(JSON.stringify(secret));
    expect(decoded).toEqual(parseWith(bundleSchema, JSON.parse(Buffer.from(bytes).toString("utf8")), "bundle"));
    // Why decodeBundle does not return zod's output: it puts apiVersion, kind and metadata first.
    const viaZod = parseWith(bundleSchema, JSON.parse(Buffer.from(bytes).toString("utf8")), "bundle");
    expect(Object.keys(viaZod.apps[0]?.objects[0] ?? {})).not.toEqual(Object.keys(secret));
    expect(() => decodeBundle(Buffer.from('{"apiVersion":"flotilla.dev/v1","kind":"Bundle"}'))).toThrow(expect.objectContaining({ code: "PROTOCOL_MALFORMED" }));
  });

  it("gitops' canonical JSON (app digests, the hub's cached text) writes the same bytes, cached or not", () => {
    const sopsLike = fc.record({ sops: fc.dictionary(fc.string(), fc.jsonValue()) }).chain((head) => fc.dictionary(fc.string(), fc.jsonValue()).map((rest) => ({ ...rest, ...head })));
    const value = fc.jsonValue().chain((v) => fc.tuple(fc.constant(v), sopsLike)).map(([v, s]) => ({ v, list: [s, { wrap: s }] }));
    fc.assert(
      fc.property(value, (v) => {
        const expected = canonicalJson(v);
        expect(gitopsCanonicalJson(v)).toBe(expected);
        const frozen = deepFreeze(structuredClone(v));
        expect(canonicalJsonCached(frozen)).toBe(expected);
        expect(canonicalJsonCached(frozen)).toBe(expected); // from the cache
        expect(JSON.parse(expected)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
    // A frozen sub-object met first inside a SOPS object and then on its own gets each context's text.
    const shared = deepFreeze({ b: 1, a: 2 });
    const holder = deepFreeze({ sops: { mac: "m" }, x: shared });
    expect(canonicalJsonCached(holder)).toBe('{"sops":{"mac":"m"},"x":{"b":1,"a":2}}');
    expect(canonicalJsonCached(shared)).toBe('{"a":2,"b":1}');
    expect(canonicalJsonCached(holder)).toBe('{"sops":{"mac":"m"},"x":{"b":1,"a":2}}');
  });
});
