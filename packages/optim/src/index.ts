/**
 * @gan/optim: optimisers (SGD, momentum, Adam with standard or the article's constant bias
 * correction) as init/update pairs over plain state, and learning-rate schedules. What other
 * packages use, and nothing else.
 */
export {
  adam,
  type Optimizer,
  type OptimizerState,
  sgd,
  stateFromArrays,
  stateToArrays,
} from './optimizer.ts';
export { cosineSchedule, makeSchedule } from './schedules.ts';
