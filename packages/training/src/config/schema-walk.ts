/**
 * Read-only navigation of a zod schema by key path, alongside the data being validated. Used to
 * list the keys valid at a level (for "did you mean") and to find discriminated unions (whose
 * objects are replaced, not merged, when their `type` changes).
 */
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  items?: z.core.$ZodType[];
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  discriminator?: string;
  values?: unknown[];
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'nonoptional', 'readonly', 'catch']);

function def(schema: z.core.$ZodType): Def {
  return schema._zod.def as unknown as Def;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  for (;;) {
    const d = def(schema);
    if (WRAPPERS.has(d.type) && d.innerType) schema = d.innerType;
    else if (d.type === 'pipe' && d.in) schema = d.in;
    else return schema;
  }
}

function field(data: unknown, key: PropertyKey): unknown {
  return data !== null && typeof data === 'object' ? (data as Record<PropertyKey, unknown>)[key] : undefined;
}

/** The option of a discriminated union that `data`'s discriminator selects. */
function pickOption(d: Def, data: unknown): z.core.$ZodType | undefined {
  const tag = field(data, d.discriminator ?? '');
  return d.options?.find((o) => {
    const lit = def(unwrap(o)).shape?.[d.discriminator ?? ''];
    return lit !== undefined && (def(unwrap(lit)).values ?? []).includes(tag);
  });
}

function child(schema: z.core.$ZodType, seg: PropertyKey, data: unknown): z.core.$ZodType | undefined {
  const s = unwrap(schema);
  const d = def(s);
  switch (d.type) {
    case 'object':
      return typeof seg === 'string' && d.shape && Object.hasOwn(d.shape, seg) ? d.shape[seg] : undefined;
    case 'array':
      return typeof seg === 'number' ? d.element : undefined;
    case 'tuple':
      return typeof seg === 'number' ? d.items?.[seg] : undefined;
    case 'union': {
      const options = d.discriminator !== undefined ? [pickOption(d, data)] : (d.options ?? []);
      for (const o of options) {
        const c = o && child(o, seg, data);
        if (c) return c;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The schema at `path` (following `data` through discriminated unions), or undefined. */
export function schemaAt(
  root: z.core.$ZodType,
  path: readonly PropertyKey[],
  data: unknown,
): z.core.$ZodType | undefined {
  let s: z.core.$ZodType | undefined = root;
  let d = data;
  for (const seg of path) {
    if (!s) return undefined;
    s = child(s, seg, d);
    d = field(d, seg);
  }
  return s;
}

/** The keys valid in the object at `path` ([] when it is not an object). */
export function keysAt(root: z.core.$ZodType, path: readonly PropertyKey[], data: unknown): string[] {
  const s = schemaAt(root, path, data);
  if (!s) return [];
  const d = def(unwrap(s));
  if (d.type === 'object') return Object.keys(d.shape ?? {});
  if (d.type === 'union') {
    let value = data;
    for (const seg of path) value = field(value, seg);
    const chosen = d.discriminator !== undefined ? pickOption(d, value) : undefined;
    const options = chosen ? [chosen] : (d.options ?? []);
    return [...new Set(options.flatMap((o) => Object.keys(def(unwrap(o)).shape ?? {})))];
  }
  return [];
}

/** The discriminator key when the schema at `path` is a discriminated union, else undefined. */
export function discriminatorAt(
  root: z.core.$ZodType,
  path: readonly PropertyKey[],
  data: unknown,
): string | undefined {
  const s = schemaAt(root, path, data);
  return s ? def(unwrap(s)).discriminator : undefined;
}
