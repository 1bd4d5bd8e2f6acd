/**
 * X-Bkapi-Jwt as SOPS's backend sees it: signed by the gateway's signer (WebCrypto), verified here by
 * an independent implementation (node:crypto / OpenSSL), with the header and claims of CONTRACT §7.
 */
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { JwtSigner } from '../../src/origin/jwt.ts'

const { JWT_PRIVATE_KEY, APIGW_PUBLIC_KEY } = inject('testSecrets')

function verify(token: string, publicKeyPem: string) {
  const [header = '', payload = '', signature = ''] = token.split('.')
  const valid = createVerify('RSA-SHA512').update(`${header}.${payload}`).verify(createPublicKey(publicKeyPem), Buffer.from(signature, 'base64url'))
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  return { valid, header: decode(header), payload: decode(payload) }
}

/** A PEM block around base64 text, here for keys that are not keys. */
const pem = (label: string, base64: string) => `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----`

const identity = { appCode: 'esb_test', appVerified: true, username: 'admin', userVerified: false }

describe('X-Bkapi-Jwt', () => {
  it('verifies with the public key and carries the exact header and claims', async () => {
    const now = 1_800_000_000
    const token = await new JwtSigner(JWT_PRIVATE_KEY, 'bk-sops').sign(identity, now)
    const { valid, header, payload } = verify(token, APIGW_PUBLIC_KEY)
    expect(valid).toBe(true)
    expect(header).toEqual({ alg: 'RS512', typ: 'JWT', kid: 'bk-sops', iat: now })
    expect(payload).toEqual({
      iss: 'APIGW',
      nbf: now - 300,
      exp: now + 1500,
      app: { version: 1, app_code: 'esb_test', verified: true, valid_error_message: '' },
      user: { version: 1, username: 'admin', verified: false, valid_error_message: '' },
    })
  })

  it('does not verify with another key, nor after tampering', async () => {
    const token = await new JwtSigner(JWT_PRIVATE_KEY, 'bk-sops').sign(identity)
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
    expect(verify(token, other).valid).toBe(false)
    const [h, , s] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ ...verify(token, APIGW_PUBLIC_KEY).payload, user: { username: 'root' } })).toString('base64url')
    expect(verify(`${h}.${forged}.${s}`, APIGW_PUBLIC_KEY).valid).toBe(false)
  })

  it('accepts a PKCS#8 key as well as PKCS#1', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    expect(verify(await new JwtSigner(privateKey, 'other-gw').sign(identity), publicKey)).toMatchObject({ valid: true, header: { kid: 'other-gw' } })
  })

  it('reuses a token while most of its life is left, then signs a fresh one', async () => {
    const signer = new JwtSigner(JWT_PRIVATE_KEY, 'bk-sops')
    const first = await signer.sign(identity, 1_800_000_000)
    expect(await signer.sign(identity, 1_800_000_000 + 599)).toBe(first)
    expect(await signer.sign({ ...identity, username: 'other' }, 1_800_000_000 + 1)).not.toBe(first)
    const fresh = await signer.sign(identity, 1_800_000_000 + 600)
    expect(fresh).not.toBe(first)
    expect(verify(fresh, APIGW_PUBLIC_KEY).payload.exp).toBe(1_800_000_000 + 600 + 1500)
  })

  it('refuses to sign with a key that is not one', async () => {
    await expect(new JwtSigner(pem('PRIVATE KEY', 'bm9wZQ=='), 'bk-sops').sign(identity)).rejects.toThrow()
  })
})
