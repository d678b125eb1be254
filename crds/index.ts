export { sealedSecretSchema, secretTemplateSpecSchema, objectMetaSchema, parseSealedSecret, type SealedSecret, type SecretTemplateSpec } from "./sealed-secret.js";
export { fleetSealedSecretSchema, parseFleetSealedSecret, type FleetSealedSecret } from "./fleet-sealed-secret.js";
export { clusterSchema, parseCluster, type Cluster } from "./cluster.js";
export {
  applicationSetSchema,
  applicationTemplateSchema,
  applicationSetStrategySchema,
  labelSelectorSchema,
  rollingSyncStepSchema,
  parseApplicationSet,
  APPLICATION_SET_API_VERSIONS,
  type ApplicationSet,
  type ApplicationSetStrategy,
  type LabelSelector,
  type RollingSyncStep,
} from "./application-set.js";
