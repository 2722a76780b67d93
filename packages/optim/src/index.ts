/**
 * @gan/optim: optimisers (SGD, momentum, Adam with standard or the article's constant bias
 * correction) as init/update pairs over plain state, and learning-rate schedules.
 */
export * from './optimizer.ts';
export * from './schedules.ts';
