/** Types `env` and `exports` from `cloudflare:workers` (tests, Workers runtime) as this Worker's. */
import type { GatewayEnv } from './env.ts'

declare global {
  namespace Cloudflare {
    interface Env extends GatewayEnv {
      APIGW_PUBLIC_KEY: string
    }
    interface GlobalProps {
      mainModule: typeof import('./index.ts')
    }
  }
}
