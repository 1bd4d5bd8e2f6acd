/** A request as the stand-in origin (./origin-server.ts) recorded it, and as the tests read it back. */
export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: string
}
