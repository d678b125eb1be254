export { ProcessSupervisor, groupAlive, SUPERVISOR_ERRORS, type ChildSpec, type SupervisedChild } from "./process-supervisor.js";
export { HubClient, HUB_CLIENT_ERRORS, type HubClientOptions, type ClusterSummary, type AppSummary, type RolloutSummary, type SourceSummary } from "./hub-client.js";
export { startDemo, type DemoOptions, type RunningDemo } from "./run-demo.js";
export { demoClusters, clusterManifest, MAX_DEMO_CLUSTERS, type DemoCluster } from "./demo-clusters.js";
export { fleetProgress, type FleetProgress } from "./progress-view.js";
export { createFleetRepo, commitAll, type FleetRepoOptions } from "./fleet-repo.js";
export { findExecutable, runCommand, DEMO_ERRORS } from "./local-tools.js";
export { freePort } from "../core/index.js";
export { DEMO_FLEET, SPOKE_NAMESPACE, DEMO_POLL_INTERVAL } from "./product-commands.js";
