/**
 * The baseline of `npm run bench`: a bare Hono Worker that only passes each request on to the origin,
 * through the same kind of service binding the gateway uses for its default origin.
 */
import { Hono } from 'hono'

interface Env {
  ORIGIN: { fetch(request: Request): Promise<Response> }
}

const app = new Hono<{ Bindings: Env }>()
app.all('*', (c) => c.env.ORIGIN.fetch(c.req.raw))

export default app
