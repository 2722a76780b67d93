/**
 * The config's JSON Schema, generated from the zod schema so editors (the YAML language server,
 * via `# yaml-language-server: $schema=./schema.json`) complete keys, show each key's
 * description and flag unknown keys and wrong values while typing.
 */
import { z } from 'zod';
import { experimentConfigSchema } from './schema.ts';

type JsonObject = Record<string, unknown>;

/**
 * The JSON Schema (draft-07, the dialect YAML editors support best) of a config file: the input
 * side, so keys with defaults are optional; `extends` is allowed at the top level and `name` is
 * optional (the loader defaults it to the file name).
 *
 * ```ts
 * const schema = configJsonSchema();
 * schema.additionalProperties; // false
 * ```
 */
export function configJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(experimentConfigSchema, { io: 'input', target: 'draft-7' }) as JsonObject;
  const properties = schema.properties as JsonObject;
  const required = ((schema.required as string[] | undefined) ?? []).filter((k) => k !== 'name');
  const out: JsonObject = {
    ...schema,
    title: 'GAN experiment config',
    properties: {
      extends: {
        type: 'string',
        description:
          'Path of a base config, relative to this file. This file is merged over it: mappings merge ' +
          'key by key, lists and scalars replace.',
      },
      ...properties,
    },
  };
  if (required.length > 0) out.required = required;
  else delete out.required;
  return out;
}

/** The text of configs/schema.json: the schema as 2-space-indented JSON and a final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
