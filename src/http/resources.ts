/**
 * The SOPS resources the gateway serves (CONTRACT §2). A new resource is one entry here and one
 * schema in ./schemas.ts: routing (both URL forms), validation, forwarding, the typed client and
 * /openapi.json all follow from this table.
 */
import type * as z from 'zod'
import type { ResourceName } from '../credentials/records.ts'
import {
  getTaskStatusSchema,
  nodeCallbackSchema,
  operateNodeSchema,
  operateTaskSchema,
  operationDoneSchema,
  taskStatusSchema,
} from './schemas.ts'

/** Every resource carries these ids; they may come from the path (gateway form) or the body/query (ESB form). */
type IdSchema = z.ZodType<{ bk_biz_id: string; task_id: number; scope: 'cmdb_biz' | 'project' }>

export interface Resource<
  Name extends ResourceName = ResourceName,
  Method extends 'get' | 'post' = 'get' | 'post',
  EsbPath extends string = string,
  GatewayPath extends string = string,
  Schema extends IdSchema = IdSchema,
  Data extends z.ZodType = z.ZodType,
> {
  name: Name
  summary: string
  method: Method
  /** ESB form: every parameter in the body (POST) or the query (GET). */
  esbPath: EsbPath
  /** API-gateway form: `bk_biz_id` and `task_id` in the path. */
  gatewayPath: GatewayPath
  schema: Schema
  /** What SOPS answers in `data` on success. */
  data: Data
  /** Path on the origin, relative to its base URL. */
  originPath: (input: z.output<Schema>) => string
  /** The operation's own fields, sent to the origin (as JSON body for POST, as query for GET). */
  forward: readonly (keyof z.output<Schema> & string)[]
}

const define = <
  const Name extends ResourceName,
  const Method extends 'get' | 'post',
  const EsbPath extends string,
  const GatewayPath extends string,
  Schema extends IdSchema,
  Data extends z.ZodType,
>(
  r: Resource<Name, Method, EsbPath, GatewayPath, Schema, Data>,
) => r

export const resources = [
  define({
    name: 'operate_node',
    summary: 'Operate a node of a task: retry, skip, callback, skip a failed gateway, pause or resume a subprocess, …',
    method: 'post',
    esbPath: '/api/c/compapi/v2/sops/operate_node',
    gatewayPath: '/api/bk-sops/prod/operate_node/:bk_biz_id/:task_id',
    schema: operateNodeSchema,
    data: operationDoneSchema,
    originPath: (p) => `apigw/operate_node/${p.bk_biz_id}/${p.task_id}/`,
    forward: ['node_id', 'action', 'data', 'inputs', 'flow_id', 'flow_ids', 'converge_gateway_id', 'scope'],
  }),
  define({
    name: 'operate_task',
    summary: 'Start, pause, resume or revoke a task',
    method: 'post',
    esbPath: '/api/c/compapi/v2/sops/operate_task',
    gatewayPath: '/api/bk-sops/prod/operate_task/:task_id/:bk_biz_id',
    schema: operateTaskSchema,
    data: operationDoneSchema,
    originPath: (p) => `apigw/operate_task/${p.task_id}/${p.bk_biz_id}/`,
    forward: ['action', 'scope'],
  }),
  define({
    name: 'node_callback',
    summary: 'Call back a node that waits for it, optionally for a given node version',
    method: 'post',
    esbPath: '/api/c/compapi/v2/sops/node_callback',
    gatewayPath: '/api/bk-sops/prod/node_callback/:task_id/:bk_biz_id',
    schema: nodeCallbackSchema,
    data: operationDoneSchema,
    originPath: (p) => `apigw/node_callback/${p.task_id}/${p.bk_biz_id}/`,
    forward: ['node_id', 'callback_data', 'version', 'scope'],
  }),
  define({
    name: 'get_task_status',
    summary: "A task's state and its node tree",
    method: 'get',
    esbPath: '/api/c/compapi/v2/sops/get_task_status',
    gatewayPath: '/api/bk-sops/prod/get_task_status/:task_id/:bk_biz_id',
    schema: getTaskStatusSchema,
    data: taskStatusSchema,
    originPath: (p) => `apigw/get_task_status/${p.task_id}/${p.bk_biz_id}/`,
    forward: ['scope', 'subprocess_id', 'with_ex_data'],
  }),
] as const
