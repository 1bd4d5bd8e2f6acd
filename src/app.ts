import { Hono } from 'hono'
import type { GatewayEnv } from './env.ts'

const app = new Hono<{ Bindings: GatewayEnv }>()
app.get('/healthz', (c) => c.json({ result: true, code: 0, message: 'ok', data: 'ok' }))
export default app
