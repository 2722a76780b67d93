export * from './gif.ts';
export * from './gray.ts';
export * from './png.ts';
export * from './terminal.ts';
