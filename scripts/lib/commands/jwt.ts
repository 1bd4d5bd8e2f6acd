/** `jwt …`: the public key SOPS is given for the gateway's X-Bkapi-Jwt, and the local dev key pair. */
import type { Command } from '../command.ts'
import { option } from '../command.ts'
import { ensureDevVars, newJwtKeyPair, publicKeyOf, setDevVars } from '../devvars.ts'
import { UserError } from '../errors.ts'
import { readText } from '../files.ts'

export const JWT_COMMANDS: Record<string, Command> = {
  'jwt public-key': {
    usage: 'jwt public-key [--key private-key.pem]',
    help: `Prints the SPKI PEM public key of the gateway's JWT signing key: what SOPS is given as its API
gateway public key (APIGW_PUBLIC_KEY). From the local dev key, or from the RSA private key file given
with --key (e.g. the one put as the JWT_PRIVATE_KEY secret of the deployed Worker).`,
    args: { required: 0 },
    options: { key: { type: 'string' } },
    async run(ctx) {
      const keyFile = option(ctx.values, 'key')
      let publicKey: string
      if (keyFile !== undefined) {
        publicKey = publicKeyOf(readText(keyFile), keyFile)
      } else if (ctx.remote) {
        throw new UserError('the deployed JWT_PRIVATE_KEY is a Worker secret and cannot be read back; pass --key <private-key.pem>')
      } else {
        publicKey = publicKeyOf(ensureDevVars(ctx.state.devVarsPath).secrets.JWT_PRIVATE_KEY, `JWT_PRIVATE_KEY in ${ctx.state.devVarsPath}`)
      }
      return { text: publicKey, json: { public_key: publicKey } }
    },
  },
  'jwt rotate': {
    usage: 'jwt rotate',
    help: `Replaces the local dev JWT key pair in .wrangler/dev.vars and prints the new public key. Restart \`npm run dev\`
to use it. For a deployment, see docs/operating.md ("Rotating the JWT key").`,
    args: { required: 0 },
    localOnly: 'the deployed key is a Worker secret: see docs/operating.md ("Rotating the JWT key") for the rollout',
    async run(ctx) {
      ensureDevVars(ctx.state.devVarsPath)
      const pair = newJwtKeyPair()
      setDevVars(ctx.state.devVarsPath, pair)
      console.error(`new JWT key pair written to ${ctx.state.devVarsPath}; restart \`npm run dev\` to use it`)
      return { text: pair.APIGW_PUBLIC_KEY, json: { public_key: pair.APIGW_PUBLIC_KEY } }
    },
  },
}
