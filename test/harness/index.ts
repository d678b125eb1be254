export { startNats, findNatsServer, type NatsServerHandle, type StartNatsOptions } from "./nats-server.js";
export {
  startNatsCluster,
  startNatsLeaf,
  clusterNodeConfig,
  type NatsClusterHandle,
  type NatsClusterNode,
  type NatsNode,
  type NatsNodeAddress,
  type NatsLeafHandle,
  type StartNatsClusterOptions,
  type StartNatsLeafOptions,
} from "./nats-cluster.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
export { makeGitRepo, type GitRepo, type RepoFiles } from "./git-repo.js";
export { runFlotilla, CLI_PATH, REPO_ROOT, type CliResult, type RunCliOptions } from "./run-cli.js";
export { freePort } from "./free-port.js";
export { fixturePath, interopFixturePath, REPO_FIXTURES } from "./fixtures.js";
export { startHubProcess, type StartHubProcessOptions } from "./hub-process.js";
export { makeTestPki, type TestPki } from "./tls-pki.js";
export { until } from "./until.js";
export { makeSopsSecret, type MakeSopsSecretOptions, type SopsSecretFixture } from "./sops-fixture.js";
export { plaintextForms, findPlaintextLeaks } from "./plaintext-forms.js";
export { startChartServer, packChart, type ChartServer, type ChartServerOptions, type SeenRequest } from "./chart-server.js";
