/**
 * @gan/optim: optimisers (SGD, momentum, Adam with standard or the article's constant bias
 * correction, RMSprop) as init/update pairs over plain state, and learning-rate schedules. What other
 * packages use, and nothing else.
 */
export {
  adam,
  type Optimizer,
  type OptimizerState,
  rmsprop,
  sgd,
  stateFromArrays,
  stateToArrays,
} from './optimizer.ts';
export { cosineSchedule, makeSchedule } from './schedules.ts';
