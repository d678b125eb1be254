import { FlotillaError } from "../core/index.js";
import { parseSealingCertificate, type FleetTarget, type SealingCertificate } from "../crypto/seal.js";
import type { HubClient } from "../demo/index.js";
import type { CliContext } from "./context.js";
import { hubClientFor } from "./hub-url.js";
import { PinCheck } from "./sealing-pins.js";

// `seal --hub` and `reseal --hub`: the clusters and sealing certificates the hub knows, over its
// HTTP API only (the hub never sees a secret; it serves the certificates spokes send in Hello).

export const HUB_SEAL_ERRORS = {
  /** The selector matched no cluster the hub knows. */
  noClusters: "SEAL_NO_CLUSTERS",
  /** A cluster has not (yet) sent the hub a sealing certificate: its spoke never connected. */
  noCertificate: "SEAL_NO_CERTIFICATE",
  /** A --cluster the hub does not know (as `flotilla status --cluster`). */
  clusterNotFound: "CLUSTER_NOT_FOUND",
} as const;

/** Which clusters to take from the hub: a label selector and/or names (the flag that named each is the error field). */
export interface HubSelection {
  readonly selector?: string | undefined;
  readonly clusters: readonly string[];
  /** Clusters whose certificate the user gave with --cert CLUSTER=FILE: not fetched. */
  readonly skip?: ReadonlySet<string> | undefined;
}

/** The hub's cluster list and certificates, each certificate fetched and parsed at most once. */
export class HubCertificates {
  readonly #client: HubClient;
  readonly #ctx: CliContext;
  readonly #certs = new Map<string, Promise<SealingCertificate | undefined>>();

  readonly #pins: PinCheck;

  /** `fleetRepo`: the --fleet-repo flag; every certificate is checked against the pins there. */
  constructor(ctx: CliContext, url: string, fleetRepo?: string) {
    this.#ctx = ctx;
    this.#client = hubClientFor(url, ctx);
    this.#pins = new PinCheck(ctx, fleetRepo);
  }

  get url(): string {
    return this.#client.url;
  }

  /**
   * Names of the clusters the hub knows, filtered by `selector` on the hub itself (`?selector=`),
   * so the syntax and the label set (repo labels over Hello labels) are exactly the hub's.
   */
  async clusterNames(selector?: string): Promise<string[]> {
    return (await this.#client.clusters(selector === undefined ? {} : { selector })).map((c) => c.name).sort();
  }

  /** The cluster's current sealing certificate, or undefined while its spoke has not sent one. Expired and unpinned-mismatching ones are refused. */
  certificate(cluster: string): Promise<SealingCertificate | undefined> {
    let cert = this.#certs.get(cluster);
    if (cert === undefined) {
      cert = this.#client.clusterCert(cluster).then(async (pem) => {
        if (pem === undefined) return undefined;
        const parsed = parseSealingCertificate(pem, { file: `${this.url}/api/v1/clusters/${cluster}/cert`, now: this.#ctx.clock.now() });
        // The hub is not trusted with the choice of key: the fleet repository's pin decides.
        await this.#pins.check(cluster, parsed, this.url);
        return parsed;
      });
      this.#certs.set(cluster, cert);
    }
    return cert;
  }

  /** The certificate, or SEAL_NO_CERTIFICATE naming the cluster. */
  async requireCertificate(cluster: string, where: { readonly field?: string | undefined; readonly file?: string | undefined }): Promise<SealingCertificate> {
    const cert = await this.certificate(cluster);
    if (cert === undefined) throw noCertificate([cluster], this.url, where);
    return cert;
  }

  /**
   * Resolves a selection to one target per cluster, sorted by name: every cluster matching the
   * selector plus every named one. Fails when the selector matches nothing, a name is unknown, or
   * any cluster has no certificate yet (all of them named at once).
   */
  async targets(selection: HubSelection): Promise<FleetTarget[]> {
    const fromSelector = selection.selector === undefined ? [] : await this.clusterNames(selection.selector);
    if (selection.selector !== undefined && fromSelector.length === 0) {
      throw new FlotillaError(HUB_SEAL_ERRORS.noClusters, `no cluster on the hub at ${this.url} matches "${selection.selector}"`, { field: "--selector" });
    }
    if (selection.clusters.length > 0) {
      const known = new Set(await this.clusterNames());
      const unknown = selection.clusters.filter((c) => !known.has(c));
      if (unknown.length > 0) {
        throw new FlotillaError(HUB_SEAL_ERRORS.clusterNotFound, `the hub knows no cluster ${unknown.map((c) => `"${c}"`).join(", ")}`, { field: "--cluster" });
      }
    }
    const names = [...new Set([...fromSelector, ...selection.clusters])].filter((n) => selection.skip?.has(n) !== true).sort();
    const certs = await Promise.all(names.map(async (cluster) => ({ cluster, certificate: await this.certificate(cluster) })));
    const missing = certs.filter((c) => c.certificate === undefined).map((c) => c.cluster);
    if (missing.length > 0) {
      const field = missing.some((c) => selection.clusters.includes(c)) ? "--cluster" : "--selector";
      throw noCertificate(missing, this.url, { field });
    }
    return certs.flatMap(({ cluster, certificate }) => (certificate === undefined ? [] : [{ cluster, certificate }]));
  }
}

function noCertificate(clusters: readonly string[], url: string, where: { readonly field?: string | undefined; readonly file?: string | undefined }): FlotillaError {
  const names = clusters.map((c) => `"${c}"`).join(", ");
  const which = clusters.length === 1 ? `cluster ${names} has` : `clusters ${names} have`;
  const spoke = clusters.length === 1 ? "its spoke has" : "their spokes have";
  return new FlotillaError(
    HUB_SEAL_ERRORS.noCertificate,
    `${which} no sealing certificate on the hub at ${url} yet (${spoke} not connected); wait for it, or give the certificate with --cert`,
    where,
  );
}
