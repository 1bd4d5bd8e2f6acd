declare module 'vitest' {
  export interface ProvidedContext {
    testSecrets: { JWT_PRIVATE_KEY: string; APIGW_PUBLIC_KEY: string; CREDENTIAL_PEPPER: string }
    /** The authorization server's vars in the tests (vitest.config.ts). */
    authVars: { BK_LOGIN_URL: string }
    /** Base URL of test/support/origin-server.ts. */
    originUrl: string
  }
}
export {}
