export { ProcessSupervisor, groupAlive, SUPERVISOR_ERRORS, type ChildSpec, type SupervisedChild } from "./process-supervisor.js";
export { HubClient, HUB_CLIENT_ERRORS, type HubClientOptions, type ClusterSummary, type AppSummary, type RolloutSummary } from "./hub-client.js";
