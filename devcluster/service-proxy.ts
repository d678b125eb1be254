import { request } from "node:http";
import { ApiStatusError } from "./api-status.js";
import { isPlainObject, type KubeObject } from "./kube-object.js";

/** `[scheme:]name[:port]` of `/api/v1/namespaces/NS/services/NAME/proxy/...`, as the apiserver splits it. */
export interface ProxyName {
  readonly scheme: string;
  readonly name: string;
  readonly port: string;
}

export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

export function parseProxyName(raw: string): ProxyName {
  const parts = raw.split(":");
  if (parts.length === 1) return { scheme: "", name: raw, port: "" };
  if (parts.length === 2) return { scheme: "", name: parts[0] ?? "", port: parts[1] ?? "" };
  if (parts.length === 3) return { scheme: parts[0] ?? "", name: parts[1] ?? "", port: parts[2] ?? "" };
  throw new ApiStatusError("BadRequest", `invalid service request ${JSON.stringify(raw)}`);
}

interface Port {
  readonly name: string;
  readonly port: number;
}

function portsOf(list: unknown, key: "port"): Port[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isPlainObject).map((p) => ({ name: typeof p.name === "string" ? p.name : "", port: typeof p[key] === "number" ? p[key] : 0 }));
}

/**
 * Where the apiserver's service proxy sends a request: the Service's port picked by name or number
 * (or its only port when none is named), then the first address of the Service's Endpoints with the
 * port of that name. The devcluster runs no kube-proxy: whatever registers the Endpoints object
 * (a test, the spoke's own listener) says where the Service is served (docs/devcluster.md).
 */
export function resolveProxyTarget(service: KubeObject | undefined, endpoints: KubeObject | undefined, wanted: ProxyName): ProxyTarget {
  if (service === undefined) throw new ApiStatusError("NotFound", `services "${wanted.name}" not found`, { name: wanted.name, kind: "services" });
  if (wanted.scheme !== "" && wanted.scheme !== "http") throw new ApiStatusError("BadRequest", `the devcluster proxies only http, not ${wanted.scheme}`);
  const servicePorts = portsOf(isPlainObject(service.spec) ? service.spec.ports : undefined, "port");
  const chosen =
    wanted.port === ""
      ? servicePorts.length === 1
        ? servicePorts[0]
        : servicePorts.find((p) => p.name === "")
      : servicePorts.find((p) => p.name === wanted.port || String(p.port) === wanted.port);
  if (chosen === undefined) throw new ApiStatusError("ServiceUnavailable", `no endpoints available for service "${wanted.name}"`);
  const subsets = Array.isArray(endpoints?.subsets) ? endpoints.subsets.filter(isPlainObject) : [];
  for (const subset of subsets) {
    const addresses = Array.isArray(subset.addresses) ? subset.addresses.filter(isPlainObject) : [];
    const ports = portsOf(subset.ports, "port");
    const port = ports.length === 1 && chosen.name === "" ? ports[0] : ports.find((p) => p.name === chosen.name);
    const ip = addresses.map((a) => a.ip).find((a): a is string => typeof a === "string");
    if (port !== undefined && port.port > 0 && ip !== undefined) return { host: ip, port: port.port };
  }
  throw new ApiStatusError("ServiceUnavailable", `no endpoints available for service "${wanted.name}"`);
}

export interface ProxiedResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

const MAX_PROXIED_BYTES = 16 * 1024 * 1024;

/** Sends one request to the endpoint and collects the answer (bounded); a refused connection is a 503, as the apiserver says it. */
export function forward(target: ProxyTarget, input: { method: string; path: string; contentType: string | undefined; body: string | undefined }): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (input.contentType !== undefined) headers["content-type"] = input.contentType;
    const body = input.body === undefined ? undefined : Buffer.from(input.body);
    if (body !== undefined) headers["content-length"] = String(body.length);
    const req = request({ host: target.host, port: target.port, method: input.method, path: input.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_PROXIED_BYTES) {
          req.destroy();
          reject(new ApiStatusError("InternalError", "the proxied response is too large"));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 502, contentType: res.headers["content-type"], body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", (err: NodeJS.ErrnoException) => reject(new ApiStatusError("ServiceUnavailable", `error trying to reach service: ${err.code ?? "connection failed"}`)));
    req.end(body);
  });
}
