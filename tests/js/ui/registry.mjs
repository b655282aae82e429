// The schema registry of the schemas test: Ferry's own (`ferry schema-registry`, state in the
// broker's _schemas topic). FERRY_UI_FAKE_REGISTRY=1 swaps in the stand-in of fake_registry.mjs
// (to work on the UI while the registry is broken); the test prints which one it used.
import fs from 'node:fs'
import path from 'node:path'
import { FERRY, Fatal, freePort, waitFor } from './harness.mjs'
import { startFakeRegistry } from './fake_registry.mjs'

async function register (url, subject, schema) {
  const r = await fetch(`${url}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(schema) })
  })
  const body = await r.json()
  if (r.status !== 200) throw new Error(`registering ${subject}: ${r.status} ${JSON.stringify(body)}`)
  return body.id
}

export async function startRegistry (env) {
  if (process.env.FERRY_UI_FAKE_REGISTRY === '1') {
    const fake = await startFakeRegistry()
    console.log('# schema registry: the test stand-in (fake_registry.mjs), FERRY_UI_FAKE_REGISTRY=1')
    return { ...fake, kind: 'fake', register: (s, schema) => register(fake.url, s, schema) }
  }
  const port = await freePort()
  const file = path.join(env.dir, 'registry.properties')
  fs.writeFileSync(file, [`listeners=http://127.0.0.1:${port}`, `kafkastore.bootstrap.servers=PLAINTEXT://${env.bootstrap}`].join('\n') + '\n')
  const proc = env.spawn([FERRY, 'schema-registry', file], 'registry')
  const url = `http://127.0.0.1:${port}`
  await waitFor(async () => {
    if (!proc.alive()) throw new Fatal(`schema registry exited:\n${proc.output()}`)
    const r = await fetch(`${url}/subjects`).catch(() => null)
    return r && r.status === 200
  }, { timeout: 60000, what: 'Ferry\'s schema registry' })
  console.log('# schema registry: Ferry\'s own (ferry schema-registry)')
  return { url, kind: 'ferry', register: (s, schema) => register(url, s, schema), stop: () => proc.stop() }
}
