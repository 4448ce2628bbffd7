export * from './settings.ts';
export * from './camera.ts';
export * from './events.ts';
export * from './api.ts';
export * from './video.ts';
export * from './call-out.ts';
export * from './cameras.ts';
