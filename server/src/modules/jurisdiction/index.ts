export { loadJurisdiction, JurisdictionError, DEMO_JURISDICTION_DIR } from './jurisdiction-loader.js';
export { jurisdictionRoutes } from './jurisdiction-routes.js';
