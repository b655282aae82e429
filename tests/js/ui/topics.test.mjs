// In the browser: the topic list (partitions, end offsets, filter) and peeking at the latest
// records of a topic, decoded as JSON, string and hex; and getting around with the keyboard.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { Env, waitFor } from './harness.mjs'

const env = new Env('topics')
let page

before(async () => {
  await env.startBroker()
  await env.startWorker()
  // A connector writes JsonConverter envelopes into one topic...
  const file = path.join(env.dir, 'lines.txt')
  fs.writeFileSync(file, 'hello\nworld\n')
  await env.http('POST', '/connectors', { name: 'lines', config: { 'connector.class': 'FileStreamSource', file, topic: 'lines-topic' } })
  await waitFor(async () => (await env.http('GET', '/ferry/v1/topics/lines-topic')).body.messages === 2, { what: 'two records in lines-topic' })
  // ...and a plain client writes text, bytes and a keyed JSON record into three partitions.
  const kafka = new Kafka({ clientId: 'ui-topics', brokers: [env.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'mixed', numPartitions: 3 }] })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic: 'mixed',
    messages: [
      { partition: 0, key: 'order-1', value: JSON.stringify({ order: 1, items: ['tea', 'milk'] }), timestamp: '1700000000000' },
      { partition: 1, value: 'just some text', timestamp: '1700000001000' },
      { partition: 2, value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x41]), timestamp: '1700000002000', headers: { trace: 'abc' } }
    ]
  })
  await producer.disconnect()
  page = await env.page()
})

after(async () => {
  await env.cleanup()
})

test('the topic list shows partitions and end offsets, and filters', async () => {
  await page.goto(env.url + '/ui/topics')
  const mixed = page.locator('tr[data-topic="mixed"]')
  await mixed.waitFor()
  const cells = await mixed.locator('td').allTextContents()
  assert.deepEqual(cells.slice(0, 4), ['mixed', '3', '3', '3'])
  assert.deepEqual((await page.locator('tr[data-topic="lines-topic"] td').allTextContents()).slice(0, 4), ['lines-topic', '1', '2', '2'])
  await env.screenshot(page, 'topic-list')
  await page.getByLabel('Filter topics').fill('lines')
  await waitFor(async () => (await page.locator('tbody tr[data-topic]').count()) === 1, { what: 'the filter' })
  // Internal topics are hidden unless asked for.
  const all = (await env.http('GET', '/ferry/v1/topics')).body
  await page.getByLabel('Filter topics').fill('')
  const visible = await page.locator('tbody tr[data-topic]').count()
  assert.equal(visible, all.filter((t) => !t.internal).length)
  await page.getByLabel('Show internal topics').check()
  await waitFor(async () => (await page.locator('tbody tr[data-topic]').count()) === all.length, { what: 'internal topics to show' })
})

test('peek: the latest records decoded as JSON, string and hex', async () => {
  await page.goto(env.url + '/ui/topics')
  await page.getByRole('link', { name: 'mixed' }).click()
  await page.waitForURL(/\/ui\/topics\/mixed/)
  const results = page.getByTestId('peek-results')
  await results.locator('article.msg').nth(2).waitFor()
  const msgs = results.locator('article.msg')
  assert.equal(await msgs.count(), 3)
  // Newest first: hex, then string, then JSON (pretty-printed) with its key.
  assert.equal(await msgs.nth(0).getAttribute('data-offset'), '2:0')
  const hex = await msgs.nth(0).locator('[data-part="value"] pre').textContent()
  assert.match(hex, /de ad be ef 00 41/)
  assert.match(hex, /\.\.\.\.\.A/)
  assert.match(await msgs.nth(0).textContent(), /trace=abc/)
  assert.equal(await msgs.nth(1).locator('[data-part="value"] pre[data-format="string"]').textContent(), 'just some text')
  const json = msgs.nth(2).locator('[data-part="value"] pre[data-format="json"]')
  assert.deepEqual(JSON.parse(await json.textContent()), { order: 1, items: ['tea', 'milk'] })
  assert.match(await json.textContent(), /\n {2}"order": 1/)
  assert.equal(await msgs.nth(2).locator('[data-part="key"] pre').textContent(), 'order-1')
  assert.match(await page.getByTestId('partition-table').textContent(), /2\s*0\s*1\s*1/)
  await env.screenshot(page, 'peek')

  // One partition, one record, as hex.
  await page.getByLabel('Partition').selectOption('0')
  await page.getByLabel('Value format').selectOption('hex')
  await waitFor(async () => (await msgs.count()) === 1 && (await msgs.first().locator('pre[data-format="hex"]').count()) === 1, { what: 'the hex view of partition 0' })
  assert.match(await msgs.first().locator('[data-part="value"] pre').textContent(), /7b 22 6f 72 64 65 72 22/)
  assert.match(page.url(), /partition=0/)
  assert.match(page.url(), /format=hex/)

  // JsonConverter envelopes from a connector are JSON too.
  await page.goto(env.url + '/ui/topics/lines-topic?n=1')
  await results.locator('article.msg').first().waitFor()
  assert.equal(await results.locator('article.msg').count(), 1)
  assert.deepEqual(JSON.parse(await results.locator('[data-part="value"] pre').textContent()), { schema: { type: 'string', optional: false }, payload: 'world' })
})

test('keyboard: shortcuts, search focus and links', async () => {
  await page.goto(env.url + '/ui/')
  await page.getByTestId('connector-total').waitFor()
  await page.keyboard.press('g')
  await page.keyboard.press('t')
  await page.waitForURL(/\/ui\/topics$/)
  await page.locator('tr[data-topic="mixed"]').waitFor()
  await page.keyboard.press('/')
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Filter topics')
  await page.keyboard.type('mix')
  await waitFor(async () => (await page.locator('tbody tr[data-topic]').count()) === 1, { what: 'the filter' })
  // Tab from the search box reaches the topic link; Enter opens it.
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab')
    if (await page.evaluate(() => document.activeElement.textContent === 'mixed')) break
  }
  await page.keyboard.press('Enter')
  await page.waitForURL(/\/ui\/topics\/mixed/)
  await page.getByTestId('peek-results').locator('article.msg').first().waitFor()
  await page.keyboard.press('g')
  await page.keyboard.press('c')
  await page.waitForURL(/\/ui\/connectors$/)
  assert.equal(await page.locator('.sidebar a[aria-current="page"]').textContent(), 'Connectors')
  // A skip link leads past the navigation.
  await page.goto(env.url + '/ui/')
  await page.keyboard.press('Tab')
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content')
})

test('no page loaded anything from outside the worker, and none logged an error', () => {
  env.assertClean(page)
})
