export { startNats, findNatsServer, type NatsServerHandle, type StartNatsOptions } from "./nats-server.js";
export { makeGitRepo, type GitRepo, type RepoFiles } from "./git-repo.js";
export { runFlotilla, CLI_PATH, REPO_ROOT, type CliResult, type RunCliOptions } from "./run-cli.js";
export { freePort } from "./free-port.js";
export { fixturePath, interopFixturePath, REPO_FIXTURES } from "./fixtures.js";
export { startHubProcess, type StartHubProcessOptions } from "./hub-process.js";
export { makeTestPki, type TestPki } from "./tls-pki.js";
export { until } from "./until.js";
export { makeSopsSecret, type MakeSopsSecretOptions, type SopsSecretFixture } from "./sops-fixture.js";
