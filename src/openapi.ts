/** /openapi.json, generated from the resource table and its zod schemas. */
import * as z from 'zod'
import { ERRORS } from './errors.ts'
import { resources } from './resources.ts'

const CREDENTIALS_HEADER = {
  type: 'apiKey',
  in: 'header',
  name: 'X-Bkapi-Authorization',
  description: 'JSON object: {"bk_app_code", "bk_app_secret", and "bk_token" or (exempt apps) "bk_username"}',
}

const envelope = (description: string) => ({
  description,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['result', 'code', 'message', 'data', 'request_id'],
        properties: {
          result: { type: 'boolean' },
          code: { type: 'integer' },
          message: { type: 'string' },
          data: {},
          request_id: { type: 'string' },
          code_name: { type: 'string', description: 'on errors made by the gateway' },
          errors: { type: 'array', description: 'on REQUEST_PARAM_INVALID: one entry per invalid field' },
        },
      },
    },
  },
})

function operation(resource: (typeof resources)[number], form: 'esb' | 'gateway') {
  const schema = z.toJSONSchema(resource.schema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, object>
    required?: string[]
  }
  const inPath = form === 'gateway' ? ['bk_biz_id', 'task_id'] : []
  const bodyFields = Object.fromEntries(Object.entries(schema.properties).filter(([k]) => !inPath.includes(k)))
  const required = (schema.required ?? []).filter((k) => !inPath.includes(k))
  const parameters = inPath.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string', pattern: '^\\d+$' } }))
  const fields = { type: 'object', properties: bodyFields, required }
  const errors = Object.fromEntries(
    Object.values(ERRORS).map((e) => [String(e.status), envelope(`${e.message} (code ${e.code})`)]),
  )
  return {
    operationId: `${resource.name}_${form}`,
    summary: resource.summary,
    security: [{ bkapiAuthorization: [] }],
    parameters:
      resource.method === 'get'
        ? [...parameters, ...Object.entries(bodyFields).map(([name, s]) => ({ name, in: 'query', required: required.includes(name), schema: s }))]
        : parameters,
    ...(resource.method === 'post' ? { requestBody: { required: true, content: { 'application/json': { schema: fields } } } } : {}),
    responses: { '200': envelope("SOPS's answer; result false carries SOPS's own code and message"), ...errors },
  }
}

/** OpenAPI paths use {name} where Hono uses :name. */
const openApiPath = (path: string) => `${path.replace(/:(\w+)/g, '{$1}')}/`

let document: object | undefined

export function openApiDocument(): object {
  document ??= {
    openapi: '3.1.0',
    info: { title: 'sops-edge', version: '1', description: 'Edge gateway for BlueKing SOPS task and node operations' },
    components: { securitySchemes: { bkapiAuthorization: CREDENTIALS_HEADER } },
    paths: Object.fromEntries(
      resources.flatMap((r) => [
        [openApiPath(r.gatewayPath), { [r.method]: operation(r, 'gateway') }],
        [openApiPath(r.esbPath), { [r.method]: operation(r, 'esb') }],
      ]),
    ),
  }
  return document
}
