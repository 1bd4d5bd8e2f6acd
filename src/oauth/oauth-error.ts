/** An OAuth error answer (RFC 6749 §5.2), as both the gateway and the authorization server give it. */
export const oauthError = (status: number, error: string, description: string) =>
  Response.json({ error, error_description: description }, { status, headers: { 'Cache-Control': 'no-store' } })
