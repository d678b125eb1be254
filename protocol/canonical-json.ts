/**
 * True for an object that carries SOPS metadata (a `sops` mapping, as Flux and the renderer detect
 * it). sops' MAC is a SHA-512 over the object's values walked in *document order*, so such an
 * object, with everything under it, must reach the spoke in the key order it was committed in
 * (docs/adr/0003-sops-key-order-in-bundles.md).
 */
export function carriesSopsMetadata(record: Readonly<Record<string, unknown>>): boolean {
  const sops = record.sops;
  return typeof sops === "object" && sops !== null && !Array.isArray(sops);
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, `undefined` members dropped.
 * Only JSON values are accepted (the subset of RFC 8785 the protocol needs), so the same value always
 * gives the same bytes on hub and spoke, which is what the signatures and digests are computed over.
 *
 * One exception: an object that {@link carriesSopsMetadata} keeps its own key order, and so does every
 * object under it. Its order comes from the committed file, so the bytes are still a function of the
 * commit; sorting them would break the SOPS MAC on the spoke.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, false);
}

function encode(value: unknown, documentOrder: boolean): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonicalJson: non-finite number");
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) {
        return `[${value.map((item: unknown) => {
          if (item === undefined) throw new TypeError("canonicalJson: undefined in array");
          return encode(item, documentOrder);
        }).join(",")}]`;
      }
      const record = value as Record<string, unknown>;
      const inOrder = documentOrder || carriesSopsMetadata(record);
      const keys = Object.keys(record).filter((k) => record[k] !== undefined);
      if (!inOrder) keys.sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(record[k], inOrder)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
  }
}
