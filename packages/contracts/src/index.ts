export * from './store.ts';
export * from './api.ts';
