export { sealedSecretSchema, secretTemplateSpecSchema, objectMetaSchema, parseSealedSecret, type SealedSecret, type SecretTemplateSpec } from "./sealed-secret.js";
export { fleetSealedSecretSchema, parseFleetSealedSecret, type FleetSealedSecret } from "./fleet-sealed-secret.js";
