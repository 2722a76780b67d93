import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from './json-schema.ts';
import { ACTIVATIONS, BIAS_CORRECTIONS, D_LOSSES, SCALINGS, SCHEDULES } from './schema.ts';
import { SCHEMA_FILE } from './write-schema.ts';

type Json = Record<string, unknown>;

/** Every sub-schema of `node`, with its JSON pointer-like location. */
function* subSchemas(node: unknown, at = '#'): Generator<[string, Json]> {
  if (Array.isArray(node)) {
    for (const [i, x] of node.entries()) yield* subSchemas(x, `${at}/${i}`);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Json;
  yield [at, obj];
  for (const key of ['properties'] as const) {
    for (const [k, v] of Object.entries((obj[key] as Json | undefined) ?? {}))
      yield* subSchemas(v, `${at}/${key}/${k}`);
  }
  for (const key of ['items', 'anyOf', 'oneOf'] as const)
    if (obj[key]) yield* subSchemas(obj[key], `${at}/${key}`);
}

/** A minimal structural check of "would this schema accept key `key` in the object at `props`". */
function acceptsKey(objectSchema: Json, key: string): boolean {
  const props = objectSchema.properties as Json;
  return key in props || objectSchema.additionalProperties !== false;
}

describe('configs/schema.json', () => {
  it('equals freshly generated output (run src/config/write-schema.ts after changing the schema)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(configJsonSchemaText());
  });

  it('closes every object, so editors flag unknown keys', () => {
    const objects = [...subSchemas(configJsonSchema())].filter(([, s]) => s.type === 'object');
    expect(objects.length).toBeGreaterThan(15);
    for (const [at, s] of objects) expect(s.additionalProperties, at).toBe(false);
    const root = configJsonSchema();
    const data = (root.properties as Json).data as Json;
    expect(acceptsKey(data, 'scaling')).toBe(true);
    expect(acceptsKey(data, 'scalng')).toBe(false);
    expect(acceptsKey(root, 'extends')).toBe(true);
    expect(acceptsKey(root, 'extend')).toBe(false);
  });

  it('documents every key', () => {
    for (const [at, s] of subSchemas(configJsonSchema())) {
      if (/\/properties\/[^/]+$/.test(at)) expect(typeof s.description, at).toBe('string');
    }
  });

  it('lists the enum values and keeps defaulted keys optional', () => {
    const root = configJsonSchema();
    const p = (s: unknown, ...keys: string[]) =>
      keys.reduce((n, k) => ((n as Json).properties as Json)[k] as Json, s as Json) as Json;
    expect(p(root, 'data', 'scaling').enum).toEqual([...SCALINGS]);
    expect(p(root, 'loss', 'discriminator').enum).toEqual([...D_LOSSES]);
    expect(p(root, 'optim', 'generator', 'biasCorrection').enum).toEqual([...BIAS_CORRECTIONS]);
    const activation = p(root, 'model', 'generator', 'activation');
    expect((activation.anyOf as Json[])[0].enum).toEqual([...ACTIVATIONS]);
    const schedule = p(root, 'optim', 'generator', 'schedule');
    expect((schedule.oneOf as Json[]).map((o) => ((o.properties as Json).type as Json).const)).toEqual([
      ...SCHEDULES,
    ]);
    expect(root.required).toBeUndefined();
    expect(p(root, 'data').required).toBeUndefined();
    expect(p(root, 'train', 'steps')).toMatchObject({ type: 'integer', minimum: 1, default: 10000 });
  });
});
