// A stand-in for a Confluent-compatible schema registry with the resources the UI reads
// (GET /subjects, /subjects/{s}/versions, /subjects/{s}/versions/{v}, /schemas/ids/{id}, /config)
// and registration (POST /subjects/{s}/versions). Used only with FERRY_UI_FAKE_REGISTRY=1 (see
// registry.mjs); the schemas test otherwise runs against Ferry's own registry.
import http from 'node:http'

export async function startFakeRegistry () {
  const subjects = new Map() // subject -> [{id, version, schema, schemaType}]
  const byId = new Map()
  let nextId = 1
  const requests = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    requests.push(`${req.method} ${url.pathname}`)
    const send = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' })
      res.end(JSON.stringify(body))
    }
    const notFound = (code, message) => send(404, { error_code: code, message })
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      if (req.method === 'POST' && parts[0] === 'subjects' && parts[2] === 'versions' && parts.length === 3) {
        const { schema, schemaType } = JSON.parse(body)
        const list = subjects.get(parts[1]) || []
        const same = [...byId.values()].find((s) => s.schema === schema)
        const id = same ? same.id : nextId++
        byId.set(id, { id, schema, schemaType })
        if (!list.some((v) => v.schema === schema)) list.push({ id, version: list.length + 1, schema, schemaType })
        subjects.set(parts[1], list)
        return send(200, { id })
      }
      if (req.method !== 'GET') return send(405, { error_code: 405, message: 'HTTP 405 Method Not Allowed' })
      if (parts[0] === 'config' && parts.length === 1) return send(200, { compatibilityLevel: 'BACKWARD' })
      if (parts[0] === 'subjects' && parts.length === 1) return send(200, [...subjects.keys()])
      if (parts[0] === 'subjects' && parts[2] === 'versions') {
        const list = subjects.get(parts[1])
        if (!list) return notFound(40401, `Subject '${parts[1]}' not found.`)
        if (parts.length === 3) return send(200, list.map((v) => v.version))
        const v = parts[3] === 'latest' ? list[list.length - 1] : list.find((x) => x.version === Number(parts[3]))
        if (!v) return notFound(40402, 'Version not found.')
        const out = { subject: parts[1], version: v.version, id: v.id, schema: v.schema }
        if (v.schemaType && v.schemaType !== 'AVRO') out.schemaType = v.schemaType
        return send(200, out)
      }
      if (parts[0] === 'schemas' && parts[1] === 'ids' && parts.length === 3) {
        const s = byId.get(Number(parts[2]))
        if (!s) return notFound(40403, 'Schema not found')
        return send(200, s.schemaType && s.schemaType !== 'AVRO' ? { schema: s.schema, schemaType: s.schemaType } : { schema: s.schema })
      }
      notFound(404, 'HTTP 404 Not Found')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(resolve))
  }
}
