/**
 * /openapi.json as served, and the gateway's real answers against it: every error code documented
 * on its own, real error bodies and real status trees of the reference engine within their schemas.
 * (test/node/openapi-lint.test.ts lints the same document.)
 */
import { describe, expect, it } from 'vitest'
import { ERRORS, type ErrorName, errorEnvelopeSchema } from '../../src/lib/errors.ts'
import { documentedAnswer, openApiDocument } from '../../src/http/openapi.ts'
import { resources } from '../../src/resources/table.ts'
import { taskStatusSchema } from '../../src/resources/schemas.ts'
import { DEMO_TASKS } from '../../engine/src/demo/index.ts'
import { engineDriver } from '../../engine/test/engine/driver.ts'
import { authHeader, call, seedApp, uniqueCode } from './helpers.ts'
import { BASE, send, signIn } from './oauth-support.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is walked as plain JSON
type Json = any

const doc: Json = await (await call('/openapi.json')).json()
const code = uniqueCode('openapi')
await seedApp(code, { userExempt: true, resources: ['get_task_status', 'operate_node'] })
const headers = authHeader({ bk_app_code: code, bk_app_secret: 'secret', bk_username: 'admin' })

describe('/openapi.json', () => {
  it('serves the generated document as JSON', async () => {
    const res = await call('/openapi.json')
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())))
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.info.license.identifier).toBeTruthy()
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })])
  })

  it('describes both URL forms of every resource from the same schemas', () => {
    // SOPS's own paths (bk-sops api-resources.yml and apigw/urls.py), and the ESB form of each name.
    const gatewayPaths = [
      'create_and_start_task/{template_id}/{bk_biz_id}/',
      'create_task/{template_id}/{bk_biz_id}/',
      'fast_create_task/{bk_biz_id}/',
      'get_task_detail/{task_id}/{bk_biz_id}/',
      'get_task_list/{bk_biz_id}/',
      'get_task_node_detail/{task_id}/{bk_biz_id}/',
      'get_task_node_log/{task_id}/{bk_biz_id}/',
      'get_task_status/{task_id}/{bk_biz_id}/',
      'get_tasks_manual_intervention_state/{bk_biz_id}/',
      'get_tasks_status/{bk_biz_id}/',
      'get_template_info/{template_id}/{bk_biz_id}/',
      'get_template_list/{bk_biz_id}/',
      'get_user_project_list/',
      'node_callback/{task_id}/{bk_biz_id}/',
      'operate_node/{bk_biz_id}/{task_id}/',
      'operate_task/{task_id}/{bk_biz_id}/',
      'start_task/{task_id}/{bk_biz_id}/',
    ]
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        ...gatewayPaths.map((p) => `/api/bk-sops/prod/${p}`),
        ...gatewayPaths.map((p) => `/api/c/compapi/v2/sops/${p.split('/')[0]}/`),
        '/api/bk-sops/prod/watch_task_status/{task_id}/{bk_biz_id}/',
        '/api/c/compapi/v2/sops/watch_task_status/',
      ].sort(),
    )
    const operateNode = doc.paths['/api/bk-sops/prod/operate_node/{bk_biz_id}/{task_id}/'].post
    const body = operateNode.requestBody.content['application/json'].schema
    expect(body.required).toEqual(['node_id', 'action'])
    expect(body.properties.action.enum).toContain('skip_exg')
    expect(body.properties.node_id.pattern).toBe('^[A-Za-z0-9_-]{1,64}$')
    expect(operateNode.parameters.filter((p: Json) => p.in === 'path').map((p: Json) => p.name)).toEqual(['bk_biz_id', 'task_id'])
    const esbStatus = doc.paths['/api/c/compapi/v2/sops/get_task_status/'].get
    expect(esbStatus.parameters.filter((p: Json) => p.in === 'query').map((p: Json) => p.name)).toEqual([
      'bk_biz_id',
      'task_id',
      'scope',
      'subprocess_id',
      'with_ex_data',
    ])
  })

  it('documents each error code as its own schema and example, under its status', () => {
    for (const [name, entry] of Object.entries(ERRORS) as [ErrorName, (typeof ERRORS)[ErrorName]][]) {
      if (name === 'API_NOT_FOUND') continue // no documented operation answers it: the document's description names it
      const response = doc.components.responses[`error_${entry.status}`] ?? doc.components.responses[`error_${entry.status}_write`]
      expect(response.description).toContain(`${name} (${entry.code})`)
      const media = response.content['application/json']
      expect(media.examples[name].value).toMatchObject({ result: false, code: entry.code, code_name: name })
      const refs = media.schema.oneOf ?? [media.schema]
      expect(refs).toContainEqual({ $ref: `#/components/schemas/${name}` })
      expect(doc.components.schemas[name].allOf[1].properties).toEqual({ code: { const: entry.code }, code_name: { const: name } })
    }
    expect(doc.info.description).toContain('404, code 1640401, `API_NOT_FOUND`')
    // The two codes of HTTP 400 are told apart by their code.
    expect(doc.components.responses.error_400.content['application/json'].schema.oneOf).toHaveLength(2)
  })

  it('models every way BlueKing reads credentials, access tokens included', () => {
    const schemes = doc.components.securitySchemes
    expect(Object.entries(schemes).map(([id, s]: [string, Json]) => [id, s.type, s.in ?? s.scheme ?? '', s.name ?? ''].join(' ').trim())).toEqual([
      'bkapiAuthorization apiKey header X-Bkapi-Authorization',
      'bkAppCode apiKey query bk_app_code',
      'bkAppSecret apiKey query bk_app_secret',
      'bkToken apiKey query bk_token',
      'bkUsername apiKey query bk_username',
      'bkTokenCookie apiKey cookie bk_token',
      'oauth2 oauth2',
      'bearer http bearer',
      'bkapiAccessToken apiKey header X-Bkapi-Authorization',
      'accessToken apiKey query access_token',
    ])
    expect(schemes.bkapiAccessToken.description).toContain('`{"access_token": "<token>"}`')
    for (const resource of resources) {
      for (const path of [resource.gatewayPath, resource.esbPath]) {
        const operation = doc.paths[`${path.replace(/:(\w+)/g, '{$1}')}/`][resource.method]
        expect(operation.security).toEqual(
          expect.arrayContaining([
            { bkapiAuthorization: [] },
            { bkAppCode: [], bkAppSecret: [], bkTokenCookie: [] },
            { oauth2: [`resource:${resource.name}`] },
            { bearer: [] },
            { bkapiAccessToken: [] },
            { accessToken: [] },
          ]),
        )
      }
    }
    const operateTask = doc.paths['/api/c/compapi/v2/sops/operate_task/'].post
    expect(Object.keys(operateTask.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['bk_app_code', 'bk_app_secret', 'bk_token', 'bk_username', 'access_token']),
    )
  })

  it("gives the OAuth flow the authorization server's own endpoints and scopes", async () => {
    const metadata = await (await send('/.well-known/oauth-authorization-server')).json<Json>()
    const resource = await (await send('/.well-known/oauth-protected-resource')).json<Json>()
    const flow = doc.components.securitySchemes.oauth2.flows.authorizationCode
    // The document's URLs are relative to the server that serves it.
    expect(new URL(flow.authorizationUrl, BASE).href).toBe(metadata.authorization_endpoint)
    expect(new URL(flow.tokenUrl, BASE).href).toBe(metadata.token_endpoint)
    expect(new URL(flow.refreshUrl, BASE).href).toBe(metadata.token_endpoint)
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']))
    expect(Object.keys(flow.scopes).sort()).toEqual([...resource.scopes_supported].sort())
  })

  it('documents the 401 of a refused Bearer token, with its WWW-Authenticate, on every operation and no other answer', () => {
    const challenge = doc.components.headers['WWW-Authenticate']
    expect(challenge).toMatchObject({ required: true, schema: { const: 'Bearer error="invalid_token"' } })
    for (const [name, response] of Object.entries(doc.components.responses) as [string, Json][]) {
      expect(Boolean(response.headers['WWW-Authenticate']), name).toBe(name === 'error_401')
    }
    for (const methods of Object.values(doc.paths) as Json[]) {
      for (const operation of Object.values(methods) as Json[]) expect(operation.responses['401']).toEqual({ $ref: '#/components/responses/error_401' })
    }
  })

  it('documents the response headers, each on the answers that carry it', () => {
    const answer = doc.components.responses.operate_node
    expect(Object.keys(answer.headers)).toEqual(
      expect.arrayContaining(['X-Bkapi-Request-ID', 'X-Request-ID', 'RateLimit', 'Server-Timing', 'Idempotent-Replayed']),
    )
    expect(answer.headers['Retry-After']).toBeUndefined()
    expect(answer.headers['X-Bkapi-Error-Code']).toBeUndefined()
    for (const status of [409, 429]) {
      expect(doc.components.responses[`error_${status}`].headers['Retry-After']).toEqual({ $ref: '#/components/headers/Retry-After' })
    }
    expect(doc.components.responses.error_400.headers['Retry-After']).toBeUndefined()
    expect(doc.components.responses.error_400.headers['X-Bkapi-Error-Code']).toEqual({ $ref: '#/components/headers/X-Bkapi-Error-Code' })
    expect(doc.components.headers['Retry-After'].required).toBe(true)
  })

  it('lists per operation only the answers it can give: a read no idempotency errors or header, a GET no 413', () => {
    const dereference = (ref: { $ref: string }) => doc.components.responses[ref.$ref.split('/').pop()!]
    const headersOf = (operation: Json) =>
      new Set(Object.values(operation.responses).flatMap((ref: Json) => Object.keys(dereference(ref).headers)))
    const statusesOf = (operation: Json) => Object.keys(operation.responses)
    for (const resource of resources) {
      for (const path of [resource.gatewayPath, resource.esbPath]) {
        const operation = doc.paths[`${path.replace(/:(\w+)/g, '{$1}')}/`][resource.method]
        const statuses = statusesOf(operation)
        expect(statuses).not.toContain('404')
        expect(statuses.includes('413'), `${resource.name} 413`).toBe(resource.method === 'post')
        expect(statuses.includes('409') && statuses.includes('422'), `${resource.name} 409, 422`).toBe(resource.write)
        expect(headersOf(operation).has('Idempotent-Replayed'), `${resource.name} Idempotent-Replayed`).toBe(resource.write)
        const takesKey = operation.parameters.some((p: Json) => p.name === 'Idempotency-Key')
        expect(takesKey, `${resource.name} Idempotency-Key`).toBe(resource.write)
      }
    }
    const status = doc.paths['/api/bk-sops/prod/get_task_status/{task_id}/{bk_biz_id}/'].get
    expect(statusesOf(status)).toEqual(['200', '400', '401', '403', '429', '500', '502', '504'])
    // A read POST has a body that can be too large, and no Idempotency-Key.
    expect(statusesOf(doc.paths['/api/bk-sops/prod/get_tasks_status/{bk_biz_id}/'].post)).toEqual(['200', '400', '401', '403', '413', '429', '500', '502', '504'])
  })

  it('gives the status stream an example: a status event, a keepalive and the end', () => {
    const stream = doc.paths['/api/bk-sops/prod/watch_task_status/{task_id}/{bk_biz_id}/'].get.responses['200'].content['text/event-stream'].example
    const [status, keepalive, end] = stream.split('\n\n')
    expect(status).toMatch(/^id: 1\nevent: status\ndata: \{/)
    expect(JSON.parse(status.split('data: ')[1]).state).toBeTypeOf('string')
    expect(keepalive).toBe(': keepalive')
    expect(end).toBe('event: end\ndata: {"state":"FINISHED"}')
  })

  it('gives every 200 an example, a real answer that its answer schema accepts', () => {
    for (const resource of resources) {
      const example = doc.components.responses[resource.name].content['application/json'].example
      expect(documentedAnswer(resource).strict().safeParse(example).error, resource.name).toBeUndefined()
      expect(example.request_id).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('takes an Idempotency-Key on the POST resources only', () => {
    const headerParameters = (operation: Json) => operation.parameters.filter((p: Json) => p.in === 'header').map((p: Json) => p.name)
    expect(headerParameters(doc.paths['/api/bk-sops/prod/operate_node/{bk_biz_id}/{task_id}/'].post)).toEqual(['X-Request-ID', 'Idempotency-Key'])
    expect(headerParameters(doc.paths['/api/bk-sops/prod/get_task_status/{task_id}/{bk_biz_id}/'].get)).toEqual(['X-Request-ID'])
  })

  it('types data per resource, the status tree by one shared schema', () => {
    const answer = (name: string) => doc.components.schemas[`${name}_answer`].properties.data
    expect(answer('get_task_status')).toEqual({ $ref: '#/components/schemas/TaskStatus' })
    expect(doc.components.schemas.TaskStatus.properties.children.additionalProperties).toEqual({ $ref: '#/components/schemas/TaskStatus' })
    expect(answer('operate_node').type).toBe('string')
  })
})

describe("the gateway's real answers", () => {
  it('errors match the documented envelope and their own code', async () => {
    const answers = await Promise.all([
      call('/api/bk-sops/prod/operate_node/2/0/', { headers, body: { node_id: 'n', action: 'explode' } }),
      call('/api/bk-sops/prod/operate_node/2/12/', { headers: authHeader({ bk_app_code: code, bk_app_secret: 'wrong', bk_username: 'a' }), body: {} }),
      call('/api/bk-sops/prod/operate_task/12/2/', { headers, body: { action: 'start' } }),
    ])
    for (const res of answers) {
      const body = errorEnvelopeSchema.strict().parse(await res.json())
      const documented = doc.components.schemas[body.code_name].allOf[1].properties
      expect([res.status, body.code]).toEqual([ERRORS[body.code_name].status, documented.code.const])
    }
    const notFound = await call('/api/nowhere/')
    const body = errorEnvelopeSchema.strict().parse(await notFound.json())
    expect(doc.info.description).toContain(`${notFound.status}, code ${body.code}, \`${body.code_name}\``)
  })

  it('an access token is taken in each documented form, and refused as documented', async () => {
    const tokenApp = uniqueCode('openapi-oauth')
    await seedApp(tokenApp)
    const { tokens } = await signIn(tokenApp)
    const { bearer, bkapiAccessToken, accessToken } = doc.components.securitySchemes
    const read = '/api/c/compapi/v2/sops/get_task_status/?bk_biz_id=2&task_id=12'
    const forms = (token: string): Parameters<typeof send>[] => [
      [read, { headers: { Authorization: `${bearer.scheme} ${token}` } }],
      [read, { headers: { [bkapiAccessToken.name]: JSON.stringify({ [accessToken.name]: token }) } }],
      [`${read}&${new URLSearchParams({ [accessToken.name]: token })}`, {}],
      ['/api/c/compapi/v2/sops/operate_task/', { body: JSON.stringify({ bk_biz_id: '2', task_id: '12', action: 'start', [accessToken.name]: token }) }],
    ]
    for (const [path, init] of forms(tokens.access_token)) {
      const res = await send(path, init)
      expect([res.status, await res.json<Json>()], path).toMatchObject([200, { result: true }])
    }
    const [viaBearer, ...others] = forms('no:such:token')
    const refused = await send(...viaBearer!)
    const { code_name } = errorEnvelopeSchema.parse(await refused.json())
    expect([refused.status, code_name]).toEqual([401, 'UNAUTHORIZED'])
    expect(refused.headers.get('WWW-Authenticate')).toBe(doc.components.headers['WWW-Authenticate'].schema.const)
    for (const [path, init] of others) {
      const res = await send(path, init)
      expect([res.status, (await res.json<Json>()).code], path).toEqual([400, ERRORS.INVALID_ARGS.code])
      expect(res.headers.get('WWW-Authenticate')).toBeNull()
    }
  })

  it('status trees of the reference engine hold only documented fields', async () => {
    const engine = engineDriver()
    const documented = new Set(Object.keys(taskStatusSchema.shape))
    const undocumented = (entry: Record<string, unknown>): string[] => [
      ...Object.keys(entry).filter((key) => !documented.has(key)),
      ...Object.values((entry.children ?? {}) as Record<string, Record<string, unknown>>).flatMap(undocumented),
    ]
    for (const demo of DEMO_TASKS) {
      const taskId = await engine.createTask(demo.bizId, demo.tree, { start: demo.start })
      const res = await call(`/api/bk-sops/prod/get_task_status/${taskId}/${demo.bizId}/?with_ex_data=1`, { headers })
      const { data } = await res.json<{ data: Record<string, unknown> }>()
      expect(taskStatusSchema.safeParse(data).error).toBeUndefined()
      expect(undocumented(data)).toEqual([])
    }
  })
})
