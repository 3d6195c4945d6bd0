// The community team's two closed loops (issue 10): disputes and tasks, their figures and their device contract.
export * from './labels.js';
export * from './disputes.js';
export * from './tasks.js';
export * from './figures.js';
export * from './api.js';
export * from './stats.js';
