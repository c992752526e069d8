/**
 * Every --json document says which shape it has: `"schemaVersion": 1` first, then the command's
 * fields. A reader checks it before anything else; a change that breaks readers raises it.
 */
export const SCHEMA_VERSION = 1;

/** The document with schemaVersion in front (anything but a plain object is wrapped as `value`). */
export function withSchemaVersion(doc: unknown): Record<string, unknown> {
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const { schemaVersion: _ignored, ...rest } = doc as Record<string, unknown>;
    return { schemaVersion: SCHEMA_VERSION, ...rest };
  }
  return { schemaVersion: SCHEMA_VERSION, value: doc };
}
