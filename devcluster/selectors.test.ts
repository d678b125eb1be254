import { describe, expect, it } from "vitest";
import { isApiStatusError } from "./api-status.js";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, requirementsOf } from "./selectors.js";

describe("label selectors", () => {
  it("parses equality, set and existence requirements", () => {
    const r = parseLabelSelector("app=web,tier!=db,env in (prod, staging),zone notin (x),canary,!legacy");
    expect(matchesLabels(r, { app: "web", env: "prod", canary: "" })).toBe(true);
    expect(matchesLabels(r, { app: "web", env: "dev", canary: "" })).toBe(false);
    expect(matchesLabels(r, { app: "web", env: "prod", canary: "", legacy: "1" })).toBe(false);
    expect(matchesLabels(r, { app: "web", env: "prod" })).toBe(false);
    expect(matchesLabels(parseLabelSelector(""), undefined)).toBe(true);
  });

  it("rejects malformed selectors with a 400", () => {
    let err: unknown;
    try {
      parseLabelSelector("app==(");
    } catch (e) {
      err = e;
    }
    expect(isApiStatusError(err) && err.code).toBe(400);
  });

  it("turns structured selectors into requirements", () => {
    const r = requirementsOf({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["a"] }] });
    expect(matchesLabels(r, { app: "web", tier: "a" })).toBe(true);
    expect(matchesLabels(r, { app: "web", tier: "b" })).toBe(false);
  });
});

describe("field selectors", () => {
  it("matches metadata.name and metadata.namespace", () => {
    const o = { metadata: { name: "web", namespace: "shop" } };
    expect(matchesFields(parseFieldSelector("metadata.name=web,metadata.namespace!=kube-system"), o)).toBe(true);
    expect(matchesFields(parseFieldSelector("metadata.name==api"), o)).toBe(false);
  });
});
