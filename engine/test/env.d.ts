/** A binding of the engine's test pool only (vitest.config.ts): the tests sign calls as the gateway does. */
declare namespace Cloudflare {
  interface Env {
    JWT_PRIVATE_KEY: string
  }
}
