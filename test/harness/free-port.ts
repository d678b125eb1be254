// One implementation for the product (demo) and the tests.
export { freePort } from "../../core/index.js";
