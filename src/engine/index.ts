import { DurableObject, WorkerEntrypoint } from 'cloudflare:workers'

/** Placeholder until the reference engine (issue 3) lands. */
export class Engine extends WorkerEntrypoint {
  override async fetch(_req: Request) {
    return new Response('This API can only be accessed through API gateway', { status: 403 })
  }
}
export class EngineTask extends DurableObject {}
export class EngineRegistry extends DurableObject {}
