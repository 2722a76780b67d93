import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPath } from './issues.ts';
import { configFromObject, loadConfig, parseOverride } from './load.ts';
import { configErrorOf, tempConfigDir } from './test-helpers.ts';

/** The lines of the error `loadConfig(file, overrides)` throws. */
function errorLines(file: string, overrides: string[] = []): string[] {
  return configErrorOf(() => loadConfig(file, overrides)).message.split('\n');
}

describe('config errors name the file, line:col, key path and what was expected', () => {
  it('bad YAML syntax: the parser message at its position', () => {
    const { write } = tempConfigDir();
    const f = write('dup.yaml', 'seed: 1\nseed: 2\n');
    expect(errorLines(f)).toEqual([`${displayPath(f)}:2:1: invalid YAML: Map keys must be unique`]);
    const g = write('tab.yaml', 'data:\n\tsplit: test\n');
    expect(errorLines(g)).toEqual([
      `${displayPath(g)}:2:1: invalid YAML: Tabs are not allowed as indentation`,
    ]);
  });

  it('wrong type: expected and found', () => {
    const { write } = tempConfigDir();
    const f = write('t.yaml', 'data:\n  batchSize: sixty-four\n  shuffleOnLoad: yes\nmodel: 5\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:2:14: data.batchSize: expected an integer >= 1, got "sixty-four"`,
      `${displayPath(f)}:3:18: data.shuffleOnLoad: expected true or false, got "yes"`,
      `${displayPath(f)}:4:8: model: expected a mapping, got 5`,
    ]);
  });

  it('a structured issue list comes with the message', () => {
    const { write } = tempConfigDir();
    const f = write('t.yaml', 'train:\n  steps: 0\n');
    const err = configErrorOf(() => loadConfig(f));
    expect(err.issues).toEqual([
      {
        file: displayPath(f),
        line: 2,
        column: 10,
        path: 'train.steps',
        message: 'expected an integer >= 1, got 0',
      },
    ]);
  });

  it('unknown key: did-you-mean only when a valid key is close', () => {
    const { write } = tempConfigDir();
    const f = write('u.yaml', 'data:\n  scalng: raw\n  batch_size: 2\ncolour: red\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:2:3: data.scalng: unknown key (did you mean "scaling"?)`,
      `${displayPath(f)}:3:3: data.batch_size: unknown key (did you mean "batchSize"?)`,
      `${displayPath(f)}:4:1: colour: unknown key`,
    ]);
  });

  it('unknown key inside a schedule is checked against that schedule type; a missing key points at its parent', () => {
    const { write } = tempConfigDir();
    const f = write(
      's.yaml',
      'optim:\n  generator:\n    schedule:\n      type: exponential\n      gama: 0.9\n',
    );
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:3:5: optim.generator.schedule.gamma: missing: expected a number in (0, 1]`,
      `${displayPath(f)}:5:7: optim.generator.schedule.gama: unknown key (did you mean "gamma"?)`,
    ]);
  });

  it('negative size: at the list entry, in flow and block lists', () => {
    const { write } = tempConfigDir();
    const f = write('n.yaml', 'model:\n  generator:\n    hidden: [128, -3]\n    activation: relu\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:3:19: model.generator.hidden[1]: expected an integer >= 1, got -3`,
    ]);
    const g = write('b.yaml', 'model:\n  discriminator:\n    hidden:\n      - 128\n      - -3\n');
    expect(errorLines(g)).toEqual([
      `${displayPath(g)}:5:9: model.discriminator.hidden[1]: expected an integer >= 1, got -3`,
    ]);
  });

  it('missing file, given or extended', () => {
    const { dir, write } = tempConfigDir();
    const missing = path.join(dir, 'x.yaml');
    expect(errorLines(missing)).toEqual([`${displayPath(missing)}: file not found`]);
    const f = write('child.yaml', 'extends: ./x.yaml\nseed: 1\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:1:10: extends: file not found: ${displayPath(missing)}`,
    ]);
  });

  it('enum typo: the allowed values and a suggestion', () => {
    const { write } = tempConfigDir();
    const f = write('e.yaml', 'data:\n  scaling: tanhh\nloss:\n  discriminator: minimax\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:2:12: data.scaling: expected one of "raw", "unit", "tanh", got "tanhh" (did you mean "tanh"?)`,
      `${displayPath(f)}:4:18: loss.discriminator: expected one of "standard", "flipped", "least-squares", "hinge", "wasserstein", got "minimax"`,
    ]);
  });

  it('names that were renamed: a located error saying the new name, in a config file', () => {
    const { write } = tempConfigDir();
    const f = write(
      'old.yaml',
      'loss:\n  discriminator: seed-flipped\nmodel:\n  generator:\n    seedOutputWeightGradBug: true\n',
    );
    const lines = errorLines(f);
    expect(lines).toHaveLength(2);
    expect(
      lines[0].startsWith(`${displayPath(f)}:2:18: loss.discriminator: renamed: 'flipped' descends`),
    ).toBe(true);
    expect(lines[1]).toMatch(
      /:5:5: model\.generator\.seedOutputWeightGradBug: renamed: use outputWeightGrad: upstream-squared/,
    );
  });

  it("a run folder's config.yaml with the old names is read with the behaviour they had", () => {
    const { write } = tempConfigDir();
    const f = write(
      'config.yaml',
      'loss:\n  discriminator: seed-flipped\nmodel:\n  generator:\n    seedOutputWeightGradBug: true\n' +
        'optim:\n  generator:\n    biasCorrection: seed-constant\n',
    );
    const { config } = loadConfig(f, [], { recordedRun: true });
    expect(config.loss.discriminator).toBe('flipped');
    expect(config.model.generator.outputWeightGrad).toBe('upstream-squared');
    expect(config.optim.generator.biasCorrection).toBe('constant');
    expect(
      configFromObject({ loss: { discriminator: 'seed-flipped' } }, 'x/config.yaml').loss.discriminator,
    ).toBe('flipped');
  });

  it('activation typo: at the list entry; a bad single name lists the activations', () => {
    const { write } = tempConfigDir();
    const f = write('a.yaml', 'model:\n  generator:\n    hidden: [8, 8]\n    activation: [atan, rleu]\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:4:24: model.generator.activation[1]: expected one of "relu", "leakyRelu", "tanh", "atan", "sigmoid", "identity", got "rleu" (did you mean "relu"?)`,
    ]);
    const g = write('b.yaml', 'model:\n  discriminator:\n    activation: arctan\n');
    expect(errorLines(g)).toEqual([
      `${displayPath(g)}:3:17: model.discriminator.activation: expected one of "relu", "leakyRelu", "tanh", "atan", "sigmoid", "identity", or a list of them, got "arctan"`,
    ]);
  });

  it('activation list of the wrong length, located in the file that set it', () => {
    const { write } = tempConfigDir();
    const f = write(
      'l.yaml',
      'model:\n  generator:\n    hidden: [10, 20, 30]\n    activation: [atan, relu]\n',
    );
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:4:17: model.generator.activation: expected 3 activations, one per hidden layer (hidden has 3), got 2`,
    ]);
    // The child changes hidden only: the stale activation list is in the base, and so is the error.
    const base = write(
      'base.yaml',
      'model:\n  generator:\n    hidden: [10, 20]\n    activation: [atan, relu]\n',
    );
    const child = write(
      'child.yaml',
      'extends: ./base.yaml\nmodel:\n  generator:\n    hidden: [10, 20, 30]\n',
    );
    expect(errorLines(child)).toEqual([
      `${displayPath(base)}:4:17: model.generator.activation: expected 3 activations, one per hidden layer (hidden has 3), got 2`,
    ]);
  });

  it('step milestones out of order, at the offending step', () => {
    const { write } = tempConfigDir();
    const f = write(
      'm.yaml',
      'optim:\n  discriminator:\n    schedule:\n      type: step\n      milestones:\n        - { step: 41, factor: 0.01 }\n        - { step: 1, factor: 0.01 }\n',
    );
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:7:19: optim.discriminator.schedule.milestones[1].step: expected a step > 41 (milestones must be in strictly increasing step order), got 1`,
    ]);
  });

  it('remedies: logit-only losses on probabilities, clip without wasserstein, smoothing a non-BCE loss', () => {
    const { write } = tempConfigDir();
    const f = write(
      'r.yaml',
      'loss:\n  discriminator: hinge\n  generator: least-squares\n  fromProbabilities: true\n  clip: 0.01\n  realLabel: 0.9\n',
    );
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:2:18: loss.discriminator: 'hinge' is defined on D's raw output: expected fromProbabilities: false, or one of "standard", "flipped"`,
      `${displayPath(f)}:3:14: loss.generator: 'least-squares' is defined on D's raw output: expected fromProbabilities: false, or one of "non-saturating", "minimax"`,
      `${displayPath(f)}:5:9: loss.clip: weight clipping goes with the Wasserstein critic: expected null (discriminator is 'hinge'), got 0.01`,
      `${displayPath(f)}:6:14: loss.realLabel: label smoothing applies to the cross-entropy losses: expected 1 (discriminator is 'hinge'), got 0.9`,
    ]);
    const g = write('n.yaml', 'train:\n  instanceNoise: { std: 0 }\n  unrolledSteps: -1\n');
    expect(errorLines(g)).toEqual([
      `${displayPath(g)}:2:25: train.instanceNoise.std: expected a number > 0, got 0`,
      `${displayPath(g)}:3:18: train.unrolledSteps: expected an integer >= 0, got -1`,
    ]);
  });

  it('schedule type typo', () => {
    const { write } = tempConfigDir();
    const f = write('s.yaml', 'optim:\n  generator:\n    schedule: { type: cosin }\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:3:23: optim.generator.schedule.type: expected one of "constant", "step", "exponential", "cosine", got "cosin" (did you mean "cosine"?)`,
    ]);
  });

  it('extends cycle: the chain is shown', () => {
    const { write } = tempConfigDir();
    const a = write('a.yaml', 'extends: ./b.yaml\n');
    const b = write('b.yaml', 'seed: 1\nextends: ./a.yaml\n');
    expect(errorLines(a)).toEqual([
      `${displayPath(b)}:2:10: extends: cycle: ${displayPath(a)} -> ${displayPath(b)} -> ${displayPath(a)}`,
    ]);
    const self = write('self.yaml', 'extends: self.yaml\n');
    expect(errorLines(self)).toEqual([
      `${displayPath(self)}:1:10: extends: cycle: ${displayPath(self)} -> ${displayPath(self)}`,
    ]);
  });

  it('extends must be a path', () => {
    const { write } = tempConfigDir();
    const f = write('x.yaml', 'extends: [a.yaml]\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:1:10: extends: expected the path of a YAML file, relative to this file, got ["a.yaml"]`,
    ]);
  });

  it('a top level that is not a mapping', () => {
    const { write } = tempConfigDir();
    const f = write('x.yaml', '- 1\n- 2\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:1:3: expected a mapping of config keys at the top level, got [1, 2]`,
    ]);
  });

  it('bad override value: located as the command-line argument', () => {
    const { write } = tempConfigDir();
    const f = write('ok.yaml', 'seed: 1\n');
    expect(errorLines(f, ['train.steps=abc'])).toEqual([
      'command line: train.steps=abc: train.steps: expected an integer >= 1, got "abc"',
    ]);
    expect(errorLines(f, ['model.generator.hidden=[128,'])).toEqual([
      'command line: model.generator.hidden=[128,: model.generator.hidden: invalid value: Flow sequence must end with a ]',
    ]);
  });

  it('override of an unknown key: an unknown key like any other', () => {
    const { write } = tempConfigDir();
    const f = write('ok.yaml', 'seed: 1\n');
    expect(errorLines(f, ['train.stepz=5', 'trian.steps=5'])).toEqual([
      'command line: train.stepz=5: train.stepz: unknown key (did you mean "steps"?)',
      'command line: trian.steps=5: trian: unknown key (did you mean "train"?)',
    ]);
  });

  it('malformed override arguments', () => {
    const cases: [string, string][] = [
      ['steps', 'command line: steps: expected key=value, e.g. train.steps=500'],
      ['=5', 'command line: =5: expected a key before "=", e.g. train.steps=500'],
      [
        '+seed=5',
        'command line: +seed=5: +seed: the "+" and "~" prefixes are not supported: set any key as key=value, or key=null',
      ],
      [
        'model.generator.hidden[1]=5',
        'command line: model.generator.hidden[1]=5: model.generator.hidden[1]: list entries cannot be set one by one: set the whole list, e.g. model.generator.hidden=[128,256]',
      ],
      [
        'train..steps=5',
        'command line: train..steps=5: train..steps: expected a dotted key path, e.g. model.z.size',
      ],
      ['extends=a.yaml', 'command line: extends=a.yaml: extends: "extends" can only be set in a config file'],
    ];
    for (const [arg, message] of cases) {
      expect(configErrorOf(() => parseOverride(arg)).message).toBe(message);
    }
  });

  it('a file name that is not a valid default name asks for an explicit name', () => {
    const { write } = tempConfigDir();
    const f = write('my config.yaml', 'seed: 1\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}: name: expected a name of letters, digits, ".", "_" and "-" that starts with a letter or digit, got "my config" (the default name is the file name: set name: explicitly)`,
    ]);
    expect(loadConfig(write('my config 2.yaml', 'name: fine\n')).config.name).toBe('fine');
  });

  it('configFromObject locates issues at the source name', () => {
    const err = configErrorOf(() =>
      configFromObject({ name: 'x', data: { batchSize: -1 } }, 'runs/a/config.yaml'),
    );
    expect(err.message).toBe('runs/a/config.yaml: data.batchSize: expected an integer >= 1, got -1');
  });

  it('every issue is reported, grouped by file in line order', () => {
    const { write } = tempConfigDir();
    const f = write('many.yaml', 'train:\n  steps: -1\nseed: x\ndata:\n  split: tst\n');
    expect(errorLines(f)).toEqual([
      `${displayPath(f)}:2:10: train.steps: expected an integer >= 1, got -1`,
      `${displayPath(f)}:3:7: seed: expected an integer >= 0, got "x"`,
      `${displayPath(f)}:5:10: data.split: expected one of "train", "test", got "tst" (did you mean "test"?)`,
    ]);
  });

  it('paths are shown relative to the working directory when shorter', () => {
    expect(displayPath(path.join(process.cwd(), 'configs', 'x.yaml'))).toBe(path.join('configs', 'x.yaml'));
    expect(displayPath('/x.yaml')).toBe('/x.yaml');
  });
});
