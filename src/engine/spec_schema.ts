// The JSON Schema of a run spec, written from the validator's own field table (spec.ts FIELDS):
// ranges, defaults and options come from there, so editors check run.json by the same rules as
// `gradscope train`. Rules between fields that a schema can say (std only with init "normal",
// nonlinearity only on rnn) are here too; the rest (layer widths, nesting depth) stay the
// validator's. GAN specs (gan/spec.ts GAN_FIELDS) are the second branch. `gradscope schema` prints it; schema/run.schema.json is its output, checked by tests.
import { GAN_FIELDS } from './gan/spec';
import { FIELDS, SEQUENCE_DATASETS, SPEC_LIMITS, type Field } from './spec';

type Json = Record<string, unknown>;

function fieldSchema(f: Field): Json {
  const s: Json = {};
  switch (f.kind) {
    case 'int':
      Object.assign(s, { type: 'integer', minimum: f.min, maximum: f.max });
      break;
    case 'num':
      Object.assign(s, { type: 'number' }, f.exclusiveMin ? { exclusiveMinimum: f.min } : { minimum: f.min }, f.exclusiveMax ? { exclusiveMaximum: f.max } : { maximum: f.max });
      break;
    case 'bool':
      s.type = 'boolean';
      break;
    case 'enum':
      s.enum = [...f.options];
      break;
  }
  if (f.fallback !== undefined) s.default = f.fallback;
  return s;
}

/** A closed object: the table's fields (`required` those without a default), plus `extra` required properties. */
function object(table: Record<string, Field>, extra: Json = {}): Json {
  const properties: Json = { ...extra };
  const required: string[] = Object.keys(extra);
  for (const [key, f] of Object.entries(table)) {
    properties[key] = fieldSchema(f);
    if (f.fallback === undefined && !f.optional) required.push(key);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

const tagged = (type: string | string[], body: Json): Json => {
  const b = body as { properties: Json; required?: string[] };
  return { ...body, properties: { type: Array.isArray(type) ? { enum: type } : { const: type }, ...b.properties }, required: ['type', ...(b.required ?? [])] };
};
/** `key` may appear only when `field` is `value`. */
const onlyWhen = (key: string, field: string, value: unknown): Json => ({ if: { required: [key] }, then: { properties: { [field]: { const: value } }, required: [field] } });

export function specSchema(): Json {
  const layers = (items: Json = { $ref: '#/$defs/layer' }) => ({ type: 'array', items, minItems: 1, maxItems: SPEC_LIMITS.maxLayers });
  const dense = tagged('dense', object(FIELDS.dense));
  dense.allOf = [onlyWhen('std', 'init', 'normal'), onlyWhen('limit', 'init', 'uniform'), onlyWhen('gain', 'init', 'orthogonal'), onlyWhen('weight_norm_init', 'weight_norm', true)];
  const recurrent = tagged(['rnn', 'lstm', 'gru'], object(FIELDS.recurrent));
  recurrent.allOf = [onlyWhen('nonlinearity', 'type', 'rnn'), onlyWhen('forget_bias', 'type', 'lstm')];
  const sgd = tagged('sgd', object(FIELDS.sgd));
  sgd.allOf = [{ if: { properties: { nesterov: { const: true } }, required: ['nesterov'] }, then: { properties: { momentum: { type: 'number', exclusiveMinimum: 0 } }, required: ['momentum'] } }];
  const data = object(FIELDS.data);
  data.allOf = [{ if: { required: ['seq_len'] }, then: { properties: { name: { enum: [...SEQUENCE_DATASETS] } } } }];
  const ref = (name: string) => ({ $ref: `#/$defs/${name}` });
  const withSchemaKey = (o: Json, required: string[]) => Object.assign(o, { required, properties: { $schema: { type: 'string' }, ...(o.properties as Json) } });
  // A single network: only the model is required.
  const run = withSchemaKey(object(FIELDS.spec, { model: object(FIELDS.model, { layers: layers() }), optimizer: ref('optimizer'), clip: ref('clip'), data }), ['model']);
  // A GAN: `gan` in place of `model`, two feed-forward networks, an optimizer and clip for each.
  const net = object({}, { layers: layers(ref('innerLayer')) });
  const gan = withSchemaKey(object(GAN_FIELDS.spec, {
    gan: object(GAN_FIELDS.gan, { generator: net, discriminator: net }),
    optimizer: ref('optimizer'), optimizer_g: ref('optimizer'), optimizer_d: ref('optimizer'),
    clip: ref('clip'), clip_g: ref('clip'), clip_d: ref('clip'),
    data: object(GAN_FIELDS.data),
  }), ['gan']);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'gradscope run spec',
    description: 'A gradscope training run: model (or gan), loss, optimizer, clipping, data and schedule (README: Command line, GANs).',
    oneOf: [ref('run'), ref('ganRun')],
    $defs: {
      run,
      ganRun: gan,
      optimizer: { oneOf: [sgd, tagged('rmsprop', object(FIELDS.rmsprop)), tagged(['adam', 'adamw'], object(FIELDS.adam))] },
      clip: object(FIELDS.clip),
      // Recurrent layers only at the top level: a residual block's layers are inner layers.
      layer: { oneOf: [{ $ref: '#/$defs/innerLayer' }, recurrent] },
      innerLayer: {
        oneOf: [
          dense,
          tagged('activation', object(FIELDS.activation)),
          tagged(['batchnorm', 'layernorm'], object({})),
          tagged('dropout', object(FIELDS.dropout)),
          tagged('residual', object({}, { layers: layers({ $ref: '#/$defs/innerLayer' }) })),
        ],
      },
    },
  };
}
