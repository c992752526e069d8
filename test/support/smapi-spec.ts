import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingHttpHeaders } from 'node:http';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * Amazon's own SMAPI Swagger 2.0 spec as a request AND response validator: path template, method,
 * required path/query/header parameters, the JSON body against the spec's definitions with ajv,
 * and every answer against the operation's documented responses (status, and the body against its
 * schema). Two versions ship with the project: ask-smapi-model@1.23.0's spec.json (the `smapi-spec`
 * alias, SPEC_PATH) and the ask-smapi-model@1.24.0 dependency's (SPEC_PATH_1_24); the stand-in
 * checks every call against both.
 *
 * Swagger 2.0 schemas are a JSON Schema draft-4 subset; the differences handled here:
 * - `#/definitions/…` refs resolve inside one schema registered under the id "smapi";
 * - vendor keywords (x-isEnum, x-inheritsFrom, …) and Swagger's `discriminator` are not JSON
 *   Schema keywords: ajv runs with strict: false so it ignores them;
 * - formats such as "Amazon Common Identifier" are descriptive, not checkable: not validated;
 * - `x-inheritsFrom` (e.g. v1.skill.StandardizedError extends v1.Error) is not JSON Schema: the
 *   parent's properties and required fields are merged into the child, so a closed child still
 *   allows {"message": …};
 * - with `strictUnknownFields` (the default) object definitions that list properties reject
 *   others (additionalProperties: false), because SMAPI rejects fields it does not know, and a
 *   flat account-linking body must not pass as a wrapped one. Definitions built with allOf or a
 *   discriminator, and free-form objects (no properties, e.g. a skill request body) are left open;
 * - Swagger codegen writes a map of any JSON value (Java `Map<String, Object>`, the typings'
 *   `{ [key: string]: any }`, e.g. an invocation's request body) as
 *   `additionalProperties: {type: object}`; read literally that would refuse `"version": "1.0"`,
 *   so such a value schema is read as "any value", as the generated models read it;
 * - `extensions` adds properties to named definitions: a spec "of tomorrow" in which Amazon has
 *   published a field the installed spec does not have yet (tests of unknown fields).
 */
interface SwaggerParam {
  name: string;
  in: 'path' | 'query' | 'header' | 'body' | 'formData';
  required?: boolean;
  type?: string;
  items?: { type?: string };
  collectionFormat?: string;
  enum?: unknown[];
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  schema?: Record<string, unknown>;
}

interface SwaggerResponse {
  description?: string;
  schema?: { $ref?: string };
  headers?: Record<string, unknown>;
}

interface SwaggerOperation {
  'x-operation-name': string;
  parameters?: SwaggerParam[];
  responses: Record<string, SwaggerResponse>;
  security?: unknown[];
}

interface SwaggerSpec {
  swagger: string;
  paths: Record<string, Record<string, SwaggerOperation>>;
  definitions: Record<string, Record<string, unknown>>;
  security?: unknown[];
}

export interface SpecOperation {
  name: string;
  method: string;
  template: string;
  literalSegments: number;
  regex: RegExp;
  pathParamNames: string[];
  parameters: SwaggerParam[];
  responses: string[];
  /** Status → the definition its body must match (`#/definitions/…`), or null for no body. */
  responseSchemas: Record<string, string | null>;
}

export interface IncomingCall {
  method: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface MatchedCall {
  op: SpecOperation;
  pathParams: Record<string, string>;
  /** The parsed JSON body, when there is one. */
  json: unknown;
  violations: string[];
}

const require = createRequire(import.meta.url);
/** ask-smapi-model@1.23.0's spec.json (the version design.md names). */
export const SPEC_PATH = require.resolve('smapi-spec/spec.json');
/** ask-smapi-model@1.24.0's spec.json (the version alexa-link depends on). */
export const SPEC_PATH_1_24 = require.resolve('ask-smapi-model/spec.json');

export interface SmapiSpecOptions {
  /** Which spec.json (default SPEC_PATH). */
  specPath?: string;
  strictUnknownFields?: boolean;
  /** Definition name → extra properties (name → JSON schema) that definition gains. */
  extensions?: Record<string, Record<string, Record<string, unknown>>>;
}

/** `additionalProperties: {type: "object"[, properties: {}]}` → any value (see the header). */
function anyValueMaps(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(anyValueMaps);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'additionalProperties' && v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const props = (v as Record<string, unknown>).properties;
      const emptyObject =
        (v as Record<string, unknown>).type === 'object' &&
        keys.every((x) => x === 'type' || x === 'properties' || x === 'description') &&
        (props === undefined || (typeof props === 'object' && props !== null && Object.keys(props).length === 0));
      out[k] = emptyObject ? true : anyValueMaps(v);
    } else out[k] = anyValueMaps(v);
  }
  return out;
}

/** Merges the properties and required fields of `x-inheritsFrom` parents into each definition. */
function resolveInheritance(defs: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  const resolve = (name: string, seen: string[]): Record<string, unknown> => {
    if (out[name]) return out[name]!;
    const def = defs[name] ?? {};
    const parentName = def['x-inheritsFrom'];
    if (typeof parentName !== 'string' || !defs[parentName] || seen.includes(parentName)) return (out[name] = def);
    const parent = resolve(parentName, [...seen, name]);
    const merged: Record<string, unknown> = { ...def };
    merged.properties = { ...((parent.properties as Record<string, unknown>) ?? {}), ...((def.properties as Record<string, unknown>) ?? {}) };
    const required = [...new Set([...((parent.required as string[]) ?? []), ...((def.required as string[]) ?? [])])];
    if (required.length) merged.required = required;
    if (merged.type === undefined && parent.type !== undefined) merged.type = parent.type;
    return (out[name] = merged);
  };
  for (const name of Object.keys(defs)) resolve(name, []);
  return out;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class SmapiSpec {
  readonly operations: SpecOperation[] = [];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  /** The version of ask-smapi-model the spec came from. */
  readonly version: string;
  /** Properties of each definition after inheritance and extensions (for the stand-in's GET). */
  readonly definitionProperties: ReadonlyMap<string, readonly string[]>;

  constructor(opts: SmapiSpecOptions = {}) {
    const specPath = opts.specPath ?? SPEC_PATH;
    const spec = JSON.parse(readFileSync(specPath, 'utf8')) as SwaggerSpec;
    if (spec.swagger !== '2.0') throw new Error(`expected a Swagger 2.0 spec in ${specPath}`);
    this.version = (JSON.parse(readFileSync(specPath.replace(/spec\.json$/, 'package.json'), 'utf8')) as { version: string }).version;
    for (const [template, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const names: string[] = [];
        const segments = template.split('/').filter(Boolean);
        const pattern = segments
          .map((seg) => {
            const m = /^\{(.+)\}$/.exec(seg);
            if (m) {
              names.push(m[1]!);
              return '([^/]+)';
            }
            return escapeRegex(seg);
          })
          .join('/');
        this.operations.push({
          name: op['x-operation-name'],
          method: method.toUpperCase(),
          template,
          literalSegments: segments.filter((s) => !s.startsWith('{')).length,
          regex: new RegExp(`^/${pattern}/?$`),
          pathParamNames: names,
          parameters: op.parameters ?? [],
          responses: Object.keys(op.responses),
          responseSchemas: Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, r.schema?.$ref ?? null])),
        });
      }
    }
    const definitions: Record<string, Record<string, unknown>> = {};
    const inherited = resolveInheritance(anyValueMaps(spec.definitions) as Record<string, Record<string, unknown>>);
    for (const [name, extra] of Object.entries(opts.extensions ?? {})) {
      const def = inherited[name];
      if (!def) throw new Error(`spec extension for unknown definition ${name}`);
      inherited[name] = { ...def, properties: { ...((def.properties as Record<string, unknown>) ?? {}), ...extra } };
    }
    const propertyNames = new Map<string, string[]>();
    for (const [name, def] of Object.entries(inherited)) propertyNames.set(name, Object.keys((def.properties as Record<string, unknown>) ?? {}));
    this.definitionProperties = propertyNames;
    for (const [name, def] of Object.entries(inherited)) {
      const props = def.properties as Record<string, unknown> | undefined;
      const closable =
        opts.strictUnknownFields !== false &&
        def.type === 'object' &&
        props !== undefined &&
        Object.keys(props).length > 0 &&
        def.allOf === undefined &&
        def.discriminator === undefined &&
        def.additionalProperties === undefined;
      definitions[name] = closable ? { ...def, additionalProperties: false } : def;
    }
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema({ $id: 'smapi', definitions });
  }

  /** The operation a method and path address (the most specific template wins). */
  find(method: string, pathname: string): { op: SpecOperation; pathParams: Record<string, string> } | undefined {
    let best: { op: SpecOperation; pathParams: Record<string, string> } | undefined;
    for (const op of this.operations) {
      if (op.method !== method.toUpperCase()) continue;
      const m = op.regex.exec(pathname);
      if (!m) continue;
      if (best && best.op.literalSegments >= op.literalSegments) continue;
      const pathParams: Record<string, string> = {};
      op.pathParamNames.forEach((n, i) => {
        pathParams[n] = decodeURIComponent(m[i + 1]!);
      });
      best = { op, pathParams };
    }
    return best;
  }

  /** Whether another method exists for this path (to tell 405 from 404). */
  methodsFor(pathname: string): string[] {
    return this.operations.filter((op) => op.regex.test(pathname)).map((op) => op.method);
  }

  private validator(ref: string): ValidateFunction {
    const cached = this.validators.get(ref);
    if (cached) return cached;
    const v = this.ajv.compile({ $ref: ref.replace(/^#/, 'smapi#') });
    this.validators.set(ref, v);
    return v;
  }

  private scalarViolations(p: SwaggerParam, value: string, where: string): string[] {
    const out: string[] = [];
    if (p.type === 'integer' && !/^-?\d+$/.test(value)) out.push(`${where} "${p.name}" must be an integer, got "${value}"`);
    if (p.type === 'number' && Number.isNaN(Number(value))) out.push(`${where} "${p.name}" must be a number, got "${value}"`);
    if (p.maxLength !== undefined && value.length > p.maxLength) out.push(`${where} "${p.name}" is longer than ${p.maxLength}`);
    if (p.minLength !== undefined && value.length < p.minLength) out.push(`${where} "${p.name}" is shorter than ${p.minLength}`);
    if (p.minimum !== undefined && Number(value) < p.minimum) out.push(`${where} "${p.name}" is below ${p.minimum}`);
    if (p.maximum !== undefined && Number(value) > p.maximum) out.push(`${where} "${p.name}" is above ${p.maximum}`);
    if (p.enum && !p.enum.includes(value)) out.push(`${where} "${p.name}" must be one of ${p.enum.join(', ')}, got "${value}"`);
    return out;
  }

  /** Matches a call to its operation and lists every way it departs from the spec. */
  check(call: IncomingCall): MatchedCall | { op: undefined; violations: string[] } {
    const found = this.find(call.method, call.pathname);
    if (!found) {
      const other = this.methodsFor(call.pathname);
      return {
        op: undefined,
        violations: [
          other.length
            ? `${call.method} ${call.pathname}: SMAPI's spec has no ${call.method} here (only ${other.join(', ')})`
            : `${call.method} ${call.pathname}: no such path in SMAPI's spec`,
        ],
      };
    }
    const { op, pathParams } = found;
    const label = `${op.name} (${op.method} ${op.template})`;
    const violations: string[] = [];
    let json: unknown;
    for (const p of op.parameters) {
      if (p.in === 'path') {
        const v = pathParams[p.name];
        if (v === undefined || v === '') violations.push(`${label}: path parameter "${p.name}" is empty`);
        else violations.push(...this.scalarViolations(p, v, `${label}: path parameter`));
      } else if (p.in === 'query') {
        const values = call.query.getAll(p.name);
        if (values.length === 0) {
          if (p.required) violations.push(`${label}: required query parameter "${p.name}" is missing`);
          continue;
        }
        if (p.type !== 'array' && values.length > 1) violations.push(`${label}: query parameter "${p.name}" is given ${values.length} times`);
        const itemParam = p.type === 'array' ? { ...p, type: p.items?.type ?? 'string' } : p;
        for (const v of values) violations.push(...this.scalarViolations(itemParam, v, `${label}: query parameter`));
      } else if (p.in === 'header') {
        const v = call.headers[p.name.toLowerCase()];
        if (v === undefined) {
          if (p.required) violations.push(`${label}: required header "${p.name}" is missing`);
        } else violations.push(...this.scalarViolations(p, Array.isArray(v) ? v.join(', ') : v, `${label}: header`));
      } else if (p.in === 'body') {
        if (call.body.trim() === '') {
          if (p.required) violations.push(`${label}: the request has no body; the spec requires "${p.name}"`);
          continue;
        }
        const ct = String(call.headers['content-type'] ?? '');
        if (!/^application\/json\b/i.test(ct)) violations.push(`${label}: body sent with Content-Type "${ct}", not application/json`);
        try {
          json = JSON.parse(call.body);
        } catch {
          violations.push(`${label}: body is not JSON`);
          continue;
        }
        const ref = p.schema?.$ref;
        if (typeof ref === 'string') {
          const validate = this.validator(ref);
          if (!validate(json)) {
            for (const e of validate.errors ?? []) {
              const extra = e.keyword === 'additionalProperties' ? ` ("${String((e.params as { additionalProperty?: string }).additionalProperty)}")` : '';
              violations.push(`${label}: body${e.instancePath || ''} ${e.message ?? e.keyword}${extra} (${ref.replace('#/definitions/', '')})`);
            }
          }
        }
      }
    }
    const declared = new Set(op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const key of new Set(call.query.keys())) {
      if (!declared.has(key)) violations.push(`${label}: query parameter "${key}" is not in the spec`);
    }
    if (!op.parameters.some((p) => p.in === 'body') && call.body.trim() !== '') {
      violations.push(`${label}: the spec defines no body, but one was sent`);
    }
    const auth = String(call.headers.authorization ?? '');
    if (!/^Bearer \S+$/.test(auth)) violations.push(`${label}: no "Authorization: Bearer <token>" header (the spec's security is OAuth 2.0)`);
    return { op, pathParams, json, violations };
  }

  /** Whether the spec documents `status` as an answer of the operation. */
  documents(op: SpecOperation, status: number): boolean {
    return op.responses.includes(String(status));
  }

  /**
   * Every way an answer departs from the operation's documented responses: an undocumented
   * status, a body where the spec has none, a missing or non-JSON body where it has a schema, and
   * the body against that schema.
   */
  checkResponse(op: SpecOperation, status: number, contentType: string | undefined, body: string): string[] {
    const label = `${op.name} (${op.method} ${op.template}) answer HTTP ${status}`;
    const key = String(status);
    if (!(key in op.responseSchemas)) return [`${label}: SMAPI's spec does not document this status for the operation`];
    const ref = op.responseSchemas[key];
    if (!ref) return body.length ? [`${label}: the spec defines no body, but one was sent`] : [];
    if (!body.length) return [`${label}: no body; the spec's answer is ${ref.replace('#/definitions/', '')}`];
    const out: string[] = [];
    if (!/^application\/json\b/i.test(contentType ?? '')) out.push(`${label}: Content-Type "${contentType ?? ''}", not application/json`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return [...out, `${label}: body is not JSON`];
    }
    const validate = this.validator(ref);
    if (!validate(json)) {
      for (const e of validate.errors ?? []) {
        const extra = e.keyword === 'additionalProperties' ? ` ("${String((e.params as { additionalProperty?: string }).additionalProperty)}")` : '';
        out.push(`${label}: body${e.instancePath || ''} ${e.message ?? e.keyword}${extra} (${ref.replace('#/definitions/', '')})`);
      }
    }
    return out;
  }

  /** Validates a value against a definition (e.g. the inner object of a wrapped answer). */
  checkDefinition(name: string, value: unknown, label: string): string[] {
    const validate = this.validator(`#/definitions/${name}`);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` ("${String((e.params as { additionalProperty?: string }).additionalProperty)}")` : '';
      return `${label}${e.instancePath || ''} ${e.message ?? e.keyword}${extra} (${name})`;
    });
  }
}
