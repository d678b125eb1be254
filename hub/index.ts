export { renderNatsConfig, type NatsConfigInput } from "./nats-config.js";
export { DesiredStateStore, type PublishedState } from "./desired-state-store.js";
export { connectNats, type NatsConnectOptions } from "./nats-connect.js";
export { spokePermissions, type SpokePermissions } from "./nats-permissions.js";
