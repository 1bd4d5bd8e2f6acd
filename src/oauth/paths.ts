/** Where the OAuth pages live (read by the gateway, the dev server and the client). */
export const AUTHORIZE_PATH = '/oauth/authorize'
export const TOKEN_PATH = '/oauth/token'
export const CONSOLE_CLIENT_PATH = '/oauth/console-client'
/** The development stand-in for BlueKing's login page (auth/src/dev-login.ts). */
export const DEV_LOGIN_PATH = '/_dev/login'
