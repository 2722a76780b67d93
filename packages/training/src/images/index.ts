/**
 * Pictures: grayscale grids, PNG and GIF files (a run's sample grids and its animation, where
 * @gan/runs says they go), and pictures in the terminal. Also the package's `@gan/training/images`
 * entry point; sample pictures of a generator's output as a config shows them are in samples.ts.
 */
export { writeRunGif } from './gif.ts';
export { type GrayImage, grayToRgb, lumaOf } from './gray.ts';
export { decodePng, encodePngRgb, imageGrid, writeImagePng, writePng, writeSampleGrid } from './png.ts';
export { ASCII_RAMP, detectTerminalMode, halfBlockLines, type TerminalMode } from './terminal.ts';
