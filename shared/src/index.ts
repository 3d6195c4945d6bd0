export * from './domain.js';
export * from './ingest.js';
export * from './events.js';
export * from './jurisdiction.js';
export * from './geo.js';
export * from './time.js';
export * from './i18n.js';
export * from './validate.js';
