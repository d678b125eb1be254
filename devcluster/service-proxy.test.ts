import { describe, expect, it } from "vitest";
import { parseProxyName, resolveProxyTarget } from "./service-proxy.js";

const service = { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ name: "http", port: 8080 }, { name: "metrics", port: 8081 }] } };
const endpoints = {
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: { name: "s" },
  subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "http", port: 40001 }, { name: "metrics", port: 40002 }] }],
};

describe("service proxy routing", () => {
  it("splits [scheme:]name[:port] as the apiserver does", () => {
    expect(parseProxyName("s")).toEqual({ scheme: "", name: "s", port: "" });
    expect(parseProxyName("s:http")).toEqual({ scheme: "", name: "s", port: "http" });
    expect(parseProxyName("http:s:")).toEqual({ scheme: "http", name: "s", port: "" });
    expect(() => parseProxyName("a:b:c:d")).toThrow(/invalid service request/);
  });

  it("picks the Service port by name or number, then the Endpoints port of that name", () => {
    expect(resolveProxyTarget(service, endpoints, parseProxyName("http:s:http"))).toEqual({ host: "127.0.0.1", port: 40001 });
    expect(resolveProxyTarget(service, endpoints, parseProxyName("s:8081"))).toEqual({ host: "127.0.0.1", port: 40002 });
    const single = { ...service, spec: { ports: [{ name: "http", port: 8080 }] } };
    expect(resolveProxyTarget(single, endpoints, parseProxyName("http:s:"))).toEqual({ host: "127.0.0.1", port: 40001 });
  });

  it("answers 404 without a Service and 503 without an endpoint or with an ambiguous port", () => {
    expect(() => resolveProxyTarget(undefined, endpoints, parseProxyName("s"))).toThrow(/services "s" not found/);
    expect(() => resolveProxyTarget(service, undefined, parseProxyName("s:http"))).toThrow(/no endpoints available for service "s"/);
    expect(() => resolveProxyTarget(service, endpoints, parseProxyName("s"))).toThrow(/no endpoints available/);
    expect(() => resolveProxyTarget(service, endpoints, parseProxyName("https:s:http"))).toThrow(/only http/);
  });
});
