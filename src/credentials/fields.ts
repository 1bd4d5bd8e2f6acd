/**
 * The credential fields a caller sends (bk-apigw-reference §2), defined once: what they mean, the
 * aliases X-Bkapi-Authorization also takes, and whether a field names who calls or proves it. The
 * reader, the log's redactor, the app's route types, the client and /openapi.json all take them from here.
 */
export const CREDENTIAL_FIELDS = {
  bk_app_code: { aliases: ['app_code'], names: true, description: 'the app' },
  bk_app_secret: { aliases: ['app_secret'], names: false, description: "the app's secret" },
  bk_token: { aliases: [], names: false, description: "the user's login token" },
  bk_username: { aliases: ['username'], names: true, description: 'the user, for apps exempt from user verification' },
} as const satisfies Record<string, { aliases: readonly string[]; names: boolean; description: string }>

export type CredentialField = keyof typeof CREDENTIAL_FIELDS

export const CREDENTIAL_FIELD_NAMES = Object.keys(CREDENTIAL_FIELDS) as CredentialField[]

/**
 * The OAuth access token's field (../oauth/). It proves the app and the user by itself, so it stands
 * apart from the fields above, each of which names or proves one of them; like a secret, a log never
 * shows it.
 */
export const ACCESS_TOKEN_FIELD = 'access_token'

/** The credentials an ESB-form call may carry beside its parameters, when no header carries them. */
export type EsbCredentials = { [F in CredentialField]?: string }

/** A field and its aliases, in the order the reader tries them. */
export const spellings = (field: CredentialField): readonly string[] => [field, ...CREDENTIAL_FIELDS[field].aliases]

/** Every spelling of the fields that name who calls rather than prove it: a log may show them. */
export const IDENTITY_SPELLINGS: ReadonlySet<string> = new Set(
  CREDENTIAL_FIELD_NAMES.filter((field) => CREDENTIAL_FIELDS[field].names).flatMap(spellings),
)
