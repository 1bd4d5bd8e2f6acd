declare module 'vitest' {
  export interface ProvidedContext {
    testSecrets: { JWT_PRIVATE_KEY: string; APIGW_PUBLIC_KEY: string; CREDENTIAL_PEPPER: string }
    /** Base URL of test/support/origin-server.ts. */
    originUrl: string
  }
}
export {}
