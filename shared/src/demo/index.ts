// The demo's pure generators, shared by the simulator (@ccr/simulator, which acts them out live through the public
// contracts) and the server's history seeding (pnpm seed:history), so the live demo continues its own history:
// the seeded random streams, the incident mix by hour, type and day, and the community team's behaviour rates.
// Not part of the domain (`@ccr/shared`): imported as `@ccr/shared/demo`, never by the client.
export * from './prng.js';
export * from './incident-texts.js';
export * from './incident-generator.js';
export * from './community-behaviour.js';
export * from './place-names.js';
