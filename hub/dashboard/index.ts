export { registerDashboard, type DashboardOptions } from "./dashboard-plugin.js";
export { hubDashboardViews } from "./hub-views.js";
export { clusterFragment, rolloutsFragment, age } from "./pages.js";
export { esc, layout, loginPage } from "./html.js";
export { actionResult } from "./action-forms.js";
export { fleetPage, mapState, MAP_STATES, PAGE_SIZE, type FleetQuery } from "./fleet-page.js";
export { appPage } from "./app-page.js";
export type { DashboardAppDetail, DashboardCondition, DashboardSession } from "./dashboard-views.js";
export type { DashboardViews, DashboardCluster, DashboardApp, DashboardObject, DashboardRollout, DashboardRolloutStep } from "./dashboard-views.js";
