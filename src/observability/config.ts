/** The access log's configuration, from the Worker's vars (wrangler.toml [vars], docs/observability.md). */
import { perEnv, varOr } from '../lib/vars.ts'

const LOG_FORMATS = ['json', 'pretty', 'none'] as const
type LogFormat = (typeof LOG_FORMATS)[number]

interface LogConfig {
  /** json: the line as a structured object, for Workers Logs; pretty: one short text line; none: no log. */
  format: LogFormat
  /** Share of successful calls logged; errors are always logged. */
  sampleRate: number
}

/**
 * The access log's configuration of this env. A value that cannot be read never fails a call and never
 * hides a line: it means the default, every call logged as JSON.
 */
export const logConfig = perEnv((env): LogConfig => {
  const format = varOr(env, 'LOG_FORMAT', 'json')
  const rate = Number(varOr(env, 'LOG_SAMPLE_RATE', '1'))
  return {
    format: (LOG_FORMATS as readonly string[]).includes(format) ? (format as LogFormat) : 'json',
    sampleRate: rate >= 0 && rate <= 1 ? rate : 1,
  }
})
