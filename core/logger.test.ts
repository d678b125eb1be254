import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function capture(): { stream: Writable; text: () => string } {
  let out = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out };
}

describe("createLogger", () => {
  it("redacts secret-bearing fields wherever a caller puts them", async () => {
    const sink = capture();
    const logger = createLogger({ destination: sink.stream });
    const secret = "hunter2-plaintext-value";
    logger.info({ data: { password: secret } }, "top-level data");
    logger.info({ secret: { stringData: { x: secret } } }, "nested stringData");
    logger.warn({ object: { data: { k: secret } } }, "object.data");
    logger.error({ request: { headers: { authorization: `Bearer ${secret}` } } }, "auth header");
    logger.info({ token: secret, privateKey: secret, identity: secret }, "credentials");
    await new Promise((r) => setImmediate(r));
    const out = sink.text();
    expect(out.split("\n").filter((l) => l !== "")).toHaveLength(5);
    expect(out).toContain("[REDACTED]");
    expect(out).not.toContain(secret);
  });

  it("keeps ordinary fields", async () => {
    const sink = capture();
    createLogger({ destination: sink.stream }).info({ cluster: "eu-1", objects: 3 }, "applied");
    await new Promise((r) => setImmediate(r));
    const record = JSON.parse(sink.text()) as Record<string, unknown>;
    expect(record).toMatchObject({ cluster: "eu-1", objects: 3, msg: "applied" });
  });
});
