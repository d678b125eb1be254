export { registerDashboard, type DashboardOptions } from "./dashboard-plugin.js";
export { hubDashboardViews } from "./hub-views.js";
export { fleetFragment, clusterFragment, rolloutsFragment, age } from "./pages.js";
export { esc, loginPage } from "./html.js";
export type { DashboardViews, DashboardCluster, DashboardApp, DashboardObject, DashboardRollout, DashboardRolloutStep } from "./dashboard-views.js";
