// The worker's side of the UI over plain HTTP: static files (types, ETags, the app's routes), GET /
// unchanged, and the /ferry/v1/ resources (info, workers, topics, peek, configs with secrets hidden).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { Env, waitFor } from './harness.mjs'

const env = new Env('api')

before(async () => {
  await env.startBroker()
  await env.startWorker()
})
after(async () => { await env.cleanup() })

test('GET / stays Kafka Connect\'s JSON and /ui serves the app', async () => {
  const r = await env.http('GET', '/')
  assert.equal(r.status, 200)
  assert.equal(r.body.version, '4.0.0')
  assert.ok(r.body.kafka_cluster_id)

  const redirect = await fetch(env.url + '/ui', { redirect: 'manual' })
  assert.equal(redirect.status, 301)
  assert.equal(redirect.headers.get('location'), '/ui/')

  const index = await fetch(env.url + '/ui/')
  assert.equal(index.status, 200)
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8')
  const csp = index.headers.get('content-security-policy')
  assert.match(csp, /default-src 'self'/)
  assert.match(csp, /connect-src 'self'/)
  assert.equal(index.headers.get('cache-control'), 'no-cache')
  const html = await index.text()
  assert.match(html, /<script type="module" src="\/ui\/assets\/js\/main.js">/)
  // Nothing in the page points outside the worker.
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//)

  const etag = index.headers.get('etag')
  assert.match(etag, /^"[0-9a-f]{16}"$/)
  const again = await fetch(env.url + '/ui/', { headers: { 'If-None-Match': etag } })
  assert.equal(again.status, 304)
  assert.equal((await again.text()).length, 0)

  const js = await fetch(env.url + '/ui/assets/js/main.js')
  assert.equal(js.status, 200)
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8')
  assert.equal(await js.text(), fs.readFileSync(path.join(import.meta.dirname, '../../../ui/assets/js/main.js'), 'utf8'))
  const css = await fetch(env.url + '/ui/assets/app.css')
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8')
  const svg = await fetch(env.url + '/ui/assets/favicon.svg')
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml')

  // The app's routes get index.html (names with dots too); missing assets are 404.
  for (const p of ['/ui/connectors', '/ui/connectors/my.connector', '/ui/topics/orders', '/ui/schemas/a-value?version=2']) {
    const r = await fetch(env.url + p)
    assert.equal(r.status, 200, p)
    assert.equal(await r.text(), html, p)
  }
  const missing = await fetch(env.url + '/ui/assets/js/nope.js')
  assert.equal(missing.status, 404)
  assert.equal((await missing.json()).error_code, 404)
})

test('/ferry/v1/info and /ferry/v1/workers describe this worker', async () => {
  const root = (await env.http('GET', '/')).body
  const info = await env.http('GET', '/ferry/v1/info')
  assert.equal(info.status, 200)
  assert.deepEqual(info.body, { worker_id: env.workerId, mode: 'standalone', kafka_cluster_id: root.kafka_cluster_id, schema_registry: false })

  const w0 = await env.http('GET', '/ferry/v1/workers')
  assert.deepEqual(w0.body, [{ id: env.workerId, self: true, connectors: 0, tasks: 0 }])
  const input = path.join(env.dir, 'in.txt')
  fs.writeFileSync(input, 'a\n')
  await env.http('POST', '/connectors', { name: 'w-src', config: { 'connector.class': 'FileStreamSource', file: input, topic: 'w-topic' } })
  await env.waitState('w-src', 'RUNNING', { tasks: 'RUNNING' })
  const w1 = await env.http('GET', '/ferry/v1/workers')
  assert.deepEqual(w1.body, [{ id: env.workerId, self: true, connectors: 1, tasks: 1 }])
  assert.equal((await env.http('DELETE', '/connectors/w-src')).status, 204)
})

test('topics with offsets, and the latest records decoded', async () => {
  const kafka = new Kafka({ clientId: 'ui-test', brokers: [env.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'peek-me', numPartitions: 2 }] })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic: 'peek-me',
    messages: [
      { partition: 0, key: 'k-json', value: '{"id":1,"name":"Ada"}', timestamp: '1700000000000' },
      { partition: 0, key: 'k-text', value: 'plain text line', timestamp: '1700000001000', headers: { origin: 'test' } },
      { partition: 1, key: null, value: Buffer.from([0x00, 0xff, 0x10, 0x7f]), timestamp: '1700000002000' },
      { partition: 1, key: 'k-null', value: null, timestamp: '1700000003000' }
    ]
  })
  await producer.disconnect()

  const topics = await env.http('GET', '/ferry/v1/topics')
  assert.equal(topics.status, 200)
  const t = topics.body.find((x) => x.name === 'peek-me')
  assert.deepEqual(t, {
    name: 'peek-me',
    internal: false,
    partitions: [{ partition: 0, start_offset: 0, end_offset: 2 }, { partition: 1, start_offset: 0, end_offset: 2 }],
    messages: 4
  })
  const names = (await env.http('GET', '/ferry/v1/topics?offsets=false')).body.map((x) => x.name)
  assert.ok(names.includes('peek-me'))
  assert.deepEqual(names, [...names].sort())

  const one = await env.http('GET', '/ferry/v1/topics/peek-me')
  assert.deepEqual(one.body, t)
  assert.equal((await env.http('GET', '/ferry/v1/topics/no-such-topic')).status, 404)

  const peek = await env.http('GET', '/ferry/v1/topics/peek-me/messages?n=10')
  assert.equal(peek.status, 200)
  const m = peek.body.messages
  assert.equal(m.length, 4)
  // Newest first.
  assert.deepEqual(m.map((x) => [x.partition, x.offset, x.timestamp]), [[1, 1, 1700000003000], [1, 0, 1700000002000], [0, 1, 1700000001000], [0, 0, 1700000000000]])
  assert.deepEqual(m[0].value, { format: 'null' })
  assert.deepEqual(m[1].key, { format: 'null' })
  assert.deepEqual(m[1].value, { format: 'hex', size: 4, hex: '00ff107f' })
  assert.deepEqual(m[2].value, { format: 'string', size: 15, text: 'plain text line' })
  assert.deepEqual(m[2].headers, [{ key: 'origin', value: { format: 'string', size: 4, text: 'test' } }])
  assert.deepEqual(m[3].value, { format: 'json', size: 21, json: { id: 1, name: 'Ada' } })
  assert.deepEqual(m[3].key, { format: 'string', size: 6, text: 'k-json' })

  // n, partition and forced formats.
  const latest = (await env.http('GET', '/ferry/v1/topics/peek-me/messages?n=1&partition=0&format=hex&key_format=hex')).body.messages
  assert.equal(latest.length, 1)
  assert.equal(latest[0].offset, 1)
  assert.deepEqual(latest[0].value, { format: 'hex', size: 15, hex: Buffer.from('plain text line').toString('hex') })
  assert.deepEqual(latest[0].key, { format: 'hex', size: 6, hex: Buffer.from('k-text').toString('hex') })
  const asJson = (await env.http('GET', '/ferry/v1/topics/peek-me/messages?n=2&partition=0&format=json')).body.messages
  assert.equal(asJson[0].value.error, 'Not valid JSON')
  assert.equal(asJson[0].value.text, 'plain text line')
  const asAvro = (await env.http('GET', '/ferry/v1/topics/peek-me/messages?n=1&partition=0&format=avro')).body.messages
  assert.match(asAvro[0].value.error, /No schema registry is configured/)

  for (const bad of ['n=0', 'n=501', 'n=x', 'format=xml', 'key_format=bogus', 'partition=-1']) {
    const r = await env.http('GET', `/ferry/v1/topics/peek-me/messages?${bad}`)
    assert.equal(r.status, 400, bad)
    assert.equal(r.body.error_code, 400)
  }
  assert.equal((await env.http('GET', '/ferry/v1/topics/peek-me/messages?partition=7')).status, 404)
  assert.equal((await env.http('GET', '/ferry/v1/topics/nothing-here/messages')).status, 404)
})

test('connector configs come with PASSWORD values and other secrets hidden', async () => {
  const db = path.join(env.dir, 'secret.db')
  const cfg = {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSourceConnector',
    'connection.url': `jdbc:sqlite:${db}`,
    'connection.user': 'app',
    'connection.password': 's3cret-pw',
    'producer.override.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required password="jaas-pw";',
    mode: 'bulk',
    'topic.prefix': 'jdbc-',
    'tasks.max': '1'
  }
  const created = await env.http('PUT', '/connectors/jdbc-secret/config', cfg)
  assert.ok([200, 201].includes(created.status), JSON.stringify(created.body))
  const r = await env.http('GET', '/ferry/v1/connectors/jdbc-secret/config')
  assert.equal(r.status, 200)
  assert.equal(r.body.config['connection.password'], '[hidden]')
  assert.equal(r.body.config['producer.override.sasl.jaas.config'], '[hidden]')
  assert.equal(r.body.config['connection.user'], 'app')
  assert.equal(r.body.config['topic.prefix'], 'jdbc-')
  assert.deepEqual(r.body.hidden, ['connection.password', 'producer.override.sasl.jaas.config'])
  assert.doesNotMatch(JSON.stringify(r.body), /s3cret-pw|jaas-pw/)
  assert.equal((await env.http('GET', '/ferry/v1/connectors/nope/config')).status, 404)
  const all = await env.http('GET', '/ferry/v1/connectors')
  assert.deepEqual(all.body['jdbc-secret'], r.body)
  assert.doesNotMatch(JSON.stringify(all.body), /s3cret-pw|jaas-pw/)
  assert.equal((await env.http('DELETE', '/connectors/jdbc-secret')).status, 204)
})

test('the registry pass-through says when no registry is configured', async () => {
  const r = await env.http('GET', '/ferry/v1/registry/subjects')
  assert.equal(r.status, 404)
  assert.match(r.body.message, /No schema registry is configured/)
  // Unknown /ferry paths are Connect-style 404s.
  const u = await env.http('GET', '/ferry/v1/nothing')
  assert.equal(u.status, 404)
  assert.equal(u.body.error_code, 404)
  // The UI's resources are read-only.
  assert.equal((await env.http('POST', '/ferry/v1/topics', {})).status, 405)
  await waitFor(() => env.worker.alive(), { what: 'the worker to be still alive' })
})
