export { CRD_ERROR, type CrdErrorCode } from "./parse-with.js";
export { objectMetaSchema, type ObjectMeta } from "./object-meta.js";
export { sealedSecretSchema, secretTemplateSpecSchema, parseSealedSecret, type SealedSecret, type SecretTemplateSpec } from "./sealed-secret.js";
export { fleetSealedSecretSchema, parseFleetSealedSecret, type FleetSealedSecret } from "./fleet-sealed-secret.js";
export { clusterSchema, parseCluster, type Cluster } from "./cluster.js";
export { labelSelectorSchema, type LabelSelector } from "./label-selector.js";
export {
  applicationSetSchema,
  applicationTemplateSchema,
  applicationSetStrategySchema,
  rollingSyncStepSchema,
  parseApplicationSet,
  APPLICATION_SET_API_VERSIONS,
  type ApplicationSet,
  type ApplicationSetStrategy,
  type RollingSyncStep,
} from "./application-set.js";
