// The OpenAPI 3.0 document of the HTTP server API (`swagger.enabled`), generated from the
// field table requests are decoded with (json-decode.ts), so the document names exactly
// what the API reads: one POST per method under http_api.handler_prefix, plus batch, with
// the X-API-Key header as its security scheme. Answers are Centrifugo's envelope: `result`
// on success, `error` {code, message} otherwise (HTTP 200 either way, unless
// http_api.error_mode is "transport").

import { REQUEST_FIELDS, type RequestFieldKind } from './json-decode.ts';
import { METHODS } from './requests.ts';

type Schema = Record<string, unknown>;

const INT = (format: 'int32' | 'int64', unsigned: boolean): Schema => ({
  type: 'integer',
  format,
  ...(unsigned ? { minimum: 0 } : {}),
});

function kindSchema(kind: RequestFieldKind): Schema {
  switch (kind) {
    case 'string':
      return { type: 'string' };
    case 'bool':
      return { type: 'boolean' };
    case 'int32':
      return INT('int32', false);
    case 'uint32':
      return INT('int32', true);
    case 'int64':
      return INT('int64', false);
    case 'uint64':
      return INT('int64', true);
    case 'bytes':
      return { description: 'any JSON value, passed on as it is' };
    case 'stringMap':
      return { type: 'object', additionalProperties: { type: 'string' } };
    case 'stringList':
      return { type: 'array', items: { type: 'string' } };
    case 'position':
      return { $ref: '#/components/schemas/StreamPosition' };
    case 'override':
      return { $ref: '#/components/schemas/SubscribeOptionOverride' };
    case 'disconnect':
      return { $ref: '#/components/schemas/Disconnect' };
  }
}

function objectOf(fields: Readonly<Record<string, RequestFieldKind>>): Schema {
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, kindSchema(v)])),
  };
}

const pascal = (name: string) =>
  name
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');

export interface OpenApiOptions {
  /** http_api.handler_prefix: where the methods are. */
  handlerPrefix: string;
  version: string;
}

export function openApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const schemas: Record<string, Schema> = {
    StreamPosition: objectOf(REQUEST_FIELDS.position),
    Disconnect: objectOf(REQUEST_FIELDS.disconnect),
    SubscribeOptionOverride: {
      type: 'object',
      properties: Object.fromEntries(
        REQUEST_FIELDS.override.map((k) => [
          k,
          { type: 'object', properties: { value: { type: 'boolean' } } },
        ]),
      ),
    },
    Error: {
      type: 'object',
      properties: { code: { type: 'integer', format: 'int32' }, message: { type: 'string' } },
    },
    Reply: {
      type: 'object',
      description: 'result on success, error otherwise',
      properties: { result: { type: 'object' }, error: { $ref: '#/components/schemas/Error' } },
    },
  };
  const paths: Record<string, unknown> = {};
  const operation = (method: string, request: string) => ({
    post: {
      operationId: method,
      summary: method.replaceAll('_', ' '),
      tags: ['server API'],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${request}` } } },
      },
      responses: {
        '200': {
          description: 'the answer: result, or error with a code',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Reply' } } },
        },
        '400': { description: 'a body that is not JSON, or a field of the wrong type' },
        '401': { description: 'no API key, or a wrong one' },
      },
    },
  });
  const prefix = options.handlerPrefix.replace(/\/+$/, '');
  for (const method of METHODS) {
    const request = `${pascal(method)}Request`;
    schemas[request] = objectOf(REQUEST_FIELDS.methods[method]);
    paths[`${prefix}/${method}`] = operation(method, request);
  }
  schemas.BatchRequest = {
    type: 'object',
    properties: {
      commands: {
        type: 'array',
        items: {
          type: 'object',
          description: 'one method per command, by name',
          properties: Object.fromEntries(
            METHODS.map((m) => [m, { $ref: `#/components/schemas/${pascal(m)}Request` }]),
          ),
        },
      },
      parallel: { type: 'boolean' },
    },
  };
  paths[`${prefix}/batch`] = operation('batch', 'BatchRequest');
  return {
    openapi: '3.0.3',
    info: {
      title: 'Centrifugo-compatible server HTTP API (centrifugo-ts)',
      version: options.version,
    },
    paths,
    components: {
      schemas,
      securitySchemes: { ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    },
    security: [{ ApiKeyAuth: [] }],
  };
}
