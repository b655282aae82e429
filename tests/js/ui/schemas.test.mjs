// In the browser, with a schema registry: subjects, versions, a version's schema, the diff
// between versions, and Avro records (Confluent wire format) decoded in the topic browser.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel } from 'kafkajs'
import { Env, waitFor } from './harness.mjs'
import { startRegistry } from './registry.mjs'

const env = new Env('schemas')
let page
let registry

const v1 = { type: 'record', name: 'order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'note', type: 'string' }] }
const v2 = { ...v1, fields: [...v1.fields, { name: 'qty', type: ['null', 'int'], default: null }] }
let id2

// Avro binary of {id, note, qty} under v2.
function zigzag (n) {
  let z = (BigInt(n) << 1n) ^ (BigInt(n) >> 63n)
  const out = []
  while (z >= 0x80n) { out.push(Number((z & 0x7fn) | 0x80n)); z >>= 7n }
  out.push(Number(z))
  return out
}
function encodeOrder ({ id, note, qty }) {
  const noteBytes = [...Buffer.from(note)]
  return [...zigzag(id), ...zigzag(noteBytes.length), ...noteBytes, ...(qty === null ? zigzag(0) : [...zigzag(1), ...zigzag(qty)])]
}
function wire (schemaId, bytes) {
  const b = Buffer.alloc(5 + bytes.length)
  b.writeUInt8(0, 0)
  b.writeUInt32BE(schemaId, 1)
  Buffer.from(bytes).copy(b, 5)
  return b
}

before(async () => {
  await env.startBroker()
  registry = await startRegistry(env)
  await registry.register('orders-value', v1)
  id2 = await registry.register('orders-value', v2)
  await registry.register('users-value', { type: 'record', name: 'user', fields: [{ name: 'name', type: 'string' }] })
  await env.startWorker({ 'value.converter.schema.registry.url': registry.url })
  const kafka = new Kafka({ clientId: 'ui-schemas', brokers: [env.bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic: 'orders',
    messages: [
      { key: 'o-7', value: wire(id2, encodeOrder({ id: 7, note: 'hi', qty: 3 })), timestamp: '1700000000000' },
      { key: 'o-8', value: wire(id2, encodeOrder({ id: 8, note: 'büro', qty: null })), timestamp: '1700000001000' }
    ]
  })
  await producer.disconnect()
  page = await env.page()
})

after(async () => {
  await env.cleanup()
  if (registry) await registry.stop()
})

test('subjects, a version\'s schema and the diff between versions', async () => {
  const info = await env.http('GET', '/ferry/v1/info')
  assert.equal(info.body.schema_registry, true)
  await page.goto(env.url + '/ui/')
  await page.getByRole('link', { name: 'Schemas' }).first().click()
  await page.waitForURL(/\/ui\/schemas$/)
  const table = page.getByTestId('subject-table')
  await table.getByRole('link', { name: 'orders-value' }).waitFor()
  assert.deepEqual(await table.locator('tbody td').allTextContents(), ['orders-value', 'users-value'])
  await page.getByText('Global compatibility: BACKWARD.').waitFor()
  await env.screenshot(page, 'subjects')

  await table.getByRole('link', { name: 'orders-value' }).click()
  await page.waitForURL(/\/ui\/schemas\/orders-value/)
  const text = page.getByTestId('schema-text')
  await text.getByText('"qty"').waitFor()
  assert.deepEqual(JSON.parse(await text.textContent()), v2)
  assert.match(await page.locator('main').textContent(), new RegExp(`id ${id2} · version 2`))
  // The latest version is compared with the one before by default.
  const diff = page.getByTestId('schema-diff')
  await diff.locator('.add').first().waitFor()
  const added = await diff.locator('.add').allTextContents()
  const removed = await diff.locator('.del').allTextContents()
  assert.ok(added.some((l) => l.includes('"qty"')), JSON.stringify(added))
  assert.ok(removed.length <= 2, JSON.stringify(removed))
  assert.match(await diff.textContent(), /Version 1 → version 2/)
  await env.screenshot(page, 'schema-diff')

  await page.getByRole('link', { name: /^Version 1/ }).click()
  await waitFor(async () => !(await text.textContent()).includes('qty'), { what: 'version 1 to show' })
  assert.deepEqual(JSON.parse(await text.textContent()), v1)
  assert.match(page.url(), /version=1$/)
})

test('Avro records are decoded through the registry in the topic browser', async () => {
  await page.goto(env.url + '/ui/topics/orders')
  const msgs = page.getByTestId('peek-results').locator('article.msg')
  await msgs.nth(1).waitFor()
  const newest = msgs.nth(0).locator('[data-part="value"]')
  assert.match(await newest.textContent(), new RegExp(`avro · schema ${id2}`))
  assert.deepEqual(JSON.parse(await newest.locator('pre[data-format="avro"]').textContent()), { id: 8, note: 'büro', qty: null })
  assert.deepEqual(JSON.parse(await msgs.nth(1).locator('[data-part="value"] pre').textContent()), { id: 7, note: 'hi', qty: 3 })
  await env.screenshot(page, 'peek-avro')
  // Forced to hex, the wire format's magic byte and schema id show.
  await page.getByLabel('Value format').selectOption('hex')
  await waitFor(async () => (await msgs.first().locator('pre[data-format="hex"]').count()) === 1, { what: 'the hex view' })
  const idHex = id2.toString(16).padStart(8, '0').match(/../g).join(' ')
  assert.match(await msgs.first().locator('pre').last().textContent(), new RegExp(`^000000  00 ${idHex}`))
})

test('no page loaded anything from outside the worker, and none logged an error', () => {
  env.assertClean(page)
})
