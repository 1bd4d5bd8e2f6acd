/** What an admin command is, and what it is given to run. */
import type { SecretHasher } from './apps.ts'
import type { OptionSpec, Values } from './commandline.ts'
import type { Output } from './console.ts'
import type { LocalState } from './state.ts'
import type { KvStore } from './store.ts'

export interface Context {
  /** The positional arguments after the command's name. */
  args: string[]
  values: Values
  remote: boolean
  state: LocalState
  /** The local state's pepper (.wrangler/dev.vars), for local-only commands. */
  pepper(): string
  /** Hashes an app secret as the gateway does: with the local pepper, or with --remote by the deployed gateway itself. */
  secretHasher(): SecretHasher
  /**
   * The CREDENTIALS namespace, opened on first use: through the admin endpoint of the gateway serving
   * the state (with --remote, the deployed one at SOPS_EDGE_URL), or the local state when none does.
   */
  kv(): Promise<KvStore>
}

export interface Command {
  usage: string
  help: string
  /** Positional arguments, required ones first. */
  args: { required: number; optional?: number }
  options?: OptionSpec
  /** Why the command cannot run with --remote, if it cannot. */
  localOnly?: string
  run(ctx: Context): Promise<Output>
}

export const option = (values: Values, name: string) => values[name] as string | undefined
