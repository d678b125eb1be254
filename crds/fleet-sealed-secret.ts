import { fleetSealedSecretSchema, type FleetSealedSecret } from "./generated/fleet-sealed-secret.gen.js";
import { parseWith } from "./parse-with.js";

/** flotilla.dev/v1alpha1 FleetSealedSecret: generated from crds/fleet-sealed-secret.yaml. */
export { fleetSealedSecretSchema, type FleetSealedSecret };

/** Validates an object as a FleetSealedSecret; the error names the first offending field. */
export function parseFleetSealedSecret(value: unknown, file?: string): FleetSealedSecret {
  return parseWith(fleetSealedSecretSchema, value, file);
}
