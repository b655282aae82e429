// The consumer of the seed article (seeds/004): a kafkajs consumer subscribed to
// <topic.prefix>.public.customers that parses each Debezium change event and checks its envelope.
//   node seed_consumer.js <bootstrap> <topic> <count> <server name> <db>
// Prints one JSON line per message ({key, value, headers}, value = the event payload or null for a
// tombstone) and exits with 1 (after printing the failure) if an envelope is not Debezium's.
'use strict'
const assert = require('node:assert/strict')
const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic, countText, serverName, db] = process.argv.slice(2)
const count = Number(countText)

function body (buf) {
  if (buf === null) return null
  const v = JSON.parse(buf.toString())
  return v && v.schema !== undefined && v.payload !== undefined ? v.payload : v
}

function checkEnvelope (e) {
  assert.deepEqual(Object.keys(e), ['before', 'after', 'source', 'transaction', 'op', 'ts_ms', 'ts_us', 'ts_ns'])
  assert.ok(['c', 'u', 'd', 'r'].includes(e.op), `op ${e.op}`)
  const s = e.source
  assert.equal(s.connector, 'postgresql')
  assert.equal(s.name, serverName)
  assert.equal(s.db, db)
  assert.equal(s.schema, 'public')
  assert.equal(s.table, 'customers')
  assert.equal(typeof s.ts_ms, 'number')
  assert.equal(typeof s.txId, 'number')
  assert.equal(typeof s.lsn, 'number')
  assert.equal(s.xmin, null)
  assert.equal(e.transaction, null)
  assert.equal(typeof e.ts_ms, 'number')
  if (e.op === 'c' || e.op === 'r') {
    assert.equal(e.before, null)
    assert.deepEqual(Object.keys(e.after), ['id', 'name'])
  }
  if (e.op === 'd') {
    assert.equal(e.after, null)
    assert.equal(typeof e.before.id, 'number')
  }
  if (e.op === 'u') assert.deepEqual(Object.keys(e.after), ['id', 'name'])
  if (e.op === 'r') assert.ok(['true', 'first', 'last', 'first_in_data_collection', 'last_in_data_collection'].includes(s.snapshot), s.snapshot)
  else assert.equal(s.snapshot, 'false')
}

async function main () {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
  const kafka = new Kafka({ clientId: 'node-consumer', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10 } })
  const consumer = kafka.consumer({ groupId: 'nodejs-consumer' })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const got = []
  let done
  const finished = new Promise((resolve) => { done = resolve })
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = {}
      for (const [k, v] of Object.entries(message.headers || {})) headers[k] = v === null ? null : v.toString()
      got.push({ key: body(message.key), value: body(message.value), headers })
      if (got.length >= count) done()
    }
  })
  const timer = setTimeout(() => done(), 60000)
  await finished
  clearTimeout(timer)
  await consumer.disconnect()
  let failure = null
  for (const m of got) {
    console.log(JSON.stringify(m))
    if (m.value !== null && failure === null) {
      try { checkEnvelope(m.value) } catch (e) { failure = e }
    }
  }
  if (got.length < count) failure = failure || new Error(`only ${got.length} of ${count} messages`)
  if (failure) {
    console.error('ENVELOPE CHECK FAILED: ' + failure.message)
    process.exit(1)
  }
}

main().catch((e) => { console.error(e); process.exit(2) })
