// kafkajs 2.2.4 (an independent JavaScript client) against Ferry's broker: admin, producer with
// keys/headers/GZIP and every acks setting, a two-member consumer group that splits, leaves and
// resumes after a broker restart, and transactions with offsets and fencing.
// Run: node --test tests/js/broker/   (CTest: broker.kafkajs)
'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { Kafka, logLevel, CompressionTypes } = require('kafkajs')
const { Broker, waitFor } = require('./harness')

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'

let broker
let kafka
const kafkaFor = (b, clientId = 'kj') => new Kafka({ clientId, brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8 } })

before(async () => {
  broker = await new Broker({ 'num.partitions': '2' }).start()
  kafka = kafkaFor(broker)
})
after(async () => { await broker.cleanup() })

test('admin: create, metadata, offsets, configs, records and topic deletion', async () => {
  const admin = kafka.admin()
  await admin.connect()
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kj', numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] }), true)
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kj', numPartitions: 3 }] }), false)
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kj-defaults' }] }), true)
    const md = await admin.fetchTopicMetadata({ topics: ['kj', 'kj-defaults'] })
    const counts = Object.fromEntries(md.topics.map(t => [t.name, t.partitions.length]))
    assert.deepEqual(counts, { kj: 3, 'kj-defaults': 2 })
    assert.equal(md.topics[0].partitions[0].leader, 0)

    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'kj', messages: [0, 1, 2, 3, 4].map(i => ({ key: 'k' + i, value: 'v' + i, partition: 0 })) })
    await producer.disconnect()
    const offsets = await admin.fetchTopicOffsets('kj')
    const p0 = offsets.find(o => o.partition === 0)
    assert.equal(p0.high, '5')
    assert.equal(p0.low, '0')

    const cfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'kj' }] })
    const entries = Object.fromEntries(cfg.resources[0].configEntries.map(e => [e.configName, e]))
    assert.equal(entries['cleanup.policy'].configValue, 'compact')
    assert.equal(entries['cleanup.policy'].isDefault, false)
    assert.equal(entries['retention.ms'].configValue, '604800000')

    await admin.deleteTopicRecords({ topic: 'kj', partitions: [{ partition: 0, offset: '2' }] })
    const after = (await admin.fetchTopicOffsets('kj')).find(o => o.partition === 0)
    assert.equal(after.low, '2')

    await admin.deleteTopics({ topics: ['kj-defaults'] })
    assert.deepEqual((await admin.listTopics()).filter(t => t === 'kj-defaults'), [])
  } finally {
    await admin.disconnect()
  }
})

test('producer: keys, headers, GZIP and acks 0/1/-1 read back by a consumer', async () => {
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic: 'kj-send', acks: -1, messages: [{ key: 'a', value: 'all', headers: { h: 'x' }, partition: 0 }] })
  await producer.send({ topic: 'kj-send', acks: 1, compression: CompressionTypes.GZIP, messages: [{ key: 'b', value: 'gzip', partition: 0 }] })
  await producer.send({ topic: 'kj-send', acks: 0, messages: [{ key: 'c', value: 'fire-and-forget', partition: 0 }] })
  await producer.send({ topic: 'kj-send', acks: -1, messages: [{ key: 'd', value: 'last', partition: 0 }] })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: 'kj-send-g' })
  await consumer.connect()
  await consumer.subscribe({ topic: 'kj-send', fromBeginning: true })
  const got = []
  await consumer.run({ eachMessage: async ({ message }) => { got.push([message.key.toString(), message.value.toString(), message.headers.h ? message.headers.h.toString() : null]) } })
  await waitFor(() => got.length >= 4, 30000, 'four records')
  await consumer.disconnect()
  assert.deepEqual(got, [['a', 'all', 'x'], ['b', 'gzip', null], ['c', 'fire-and-forget', null], ['d', 'last', null]])
})

test('consumer group: two members split, one leaves, the group resumes after a broker restart', async () => {
  const b = await new Broker({ 'num.partitions': '4' }).start()
  const k = kafkaFor(b, 'kj-group')
  const admin = k.admin()
  const producer = k.producer()
  const members = [k.consumer({ groupId: 'kjg', sessionTimeout: 10000, heartbeatInterval: 500 }),
    k.consumer({ groupId: 'kjg', sessionTimeout: 10000, heartbeatInterval: 500 })]
  const seen = [[], []]
  try {
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'g', numPartitions: 4 }] })
    for (let i = 0; i < 2; i++) {
      await members[i].connect()
      await members[i].subscribe({ topic: 'g', fromBeginning: true })
      await members[i].run({ eachMessage: async ({ message }) => { seen[i].push(message.value.toString()) } })
    }
    await waitFor(async () => {
      const d = await admin.describeGroups(['kjg'])
      return d.groups[0].state === 'Stable' && d.groups[0].members.length === 2
    }, 60000, 'two stable members')
    await producer.connect()
    const values = [...Array(200).keys()].map(i => 'v' + i)
    await producer.send({ topic: 'g', messages: values.map((v, i) => ({ value: v, partition: i % 4 })) })
    await waitFor(() => seen[0].length + seen[1].length >= 200, 60000, '200 records')
    assert.deepEqual([...seen[0], ...seen[1]].sort(), [...values].sort())
    assert.ok(seen[0].length > 0 && seen[1].length > 0, 'both members got partitions')

    await members[1].disconnect() // LeaveGroup v3
    await waitFor(async () => (await admin.describeGroups(['kjg'])).groups[0].members.length === 1, 60000, 'one member left')
    await producer.send({ topic: 'g', messages: [0, 1, 2, 3].map(p => ({ value: 'after-leave-' + p, partition: p })) })
    await waitFor(() => seen[0].filter(v => v.startsWith('after-leave')).length === 4, 60000, 'takeover')
    await members[0].disconnect()
    const committed = await admin.fetchOffsets({ groupId: 'kjg', topics: ['g'] })
    const total = committed[0].partitions.reduce((n, p) => n + Number(p.offset), 0)
    assert.equal(total, 204)

    await producer.disconnect()
    await admin.disconnect()
    await b.restart()
    const p2 = k.producer()
    await p2.connect()
    await p2.send({ topic: 'g', messages: [{ value: 'after-restart', partition: 2 }] })
    await p2.disconnect()
    const again = k.consumer({ groupId: 'kjg' })
    const resumed = []
    await again.connect()
    await again.subscribe({ topic: 'g', fromBeginning: true })
    await again.run({ eachMessage: async ({ message }) => { resumed.push(message.value.toString()) } })
    await waitFor(() => resumed.length >= 1, 60000, 'the record after the restart')
    await new Promise(resolve => setTimeout(resolve, 1000))
    await again.disconnect()
    assert.deepEqual(resumed, ['after-restart'])
  } finally {
    for (const m of members) await m.disconnect().catch(() => {})
    await b.cleanup()
  }
})

test('transactions: commit, abort, offsets and fencing', async () => {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'kj-tx', numPartitions: 1 }, { topic: 'kj-src', numPartitions: 1 }] })
  const tp = kafka.producer({ transactionalId: 'kj-tx1', idempotent: true, maxInFlightRequests: 1 })
  await tp.connect()
  let tx = await tp.transaction()
  await tx.send({ topic: 'kj-tx', messages: [{ value: 'c1' }, { value: 'c2' }] })
  await tx.sendOffsets({ consumerGroupId: 'kj-eos', topics: [{ topic: 'kj-src', partitions: [{ partition: 0, offset: '7' }] }] })
  await tx.commit()
  tx = await tp.transaction()
  await tx.send({ topic: 'kj-tx', messages: [{ value: 'aborted' }] })
  await tx.sendOffsets({ consumerGroupId: 'kj-eos', topics: [{ topic: 'kj-src', partitions: [{ partition: 0, offset: '9' }] }] })
  await tx.abort()
  const offs = await admin.fetchOffsets({ groupId: 'kj-eos', topics: ['kj-src'] })
  assert.equal(offs[0].partitions[0].offset, '7')

  const reader = kafka.consumer({ groupId: 'kj-tx-reader' }) // read_committed by default
  const seen = []
  await reader.connect()
  await reader.subscribe({ topic: 'kj-tx', fromBeginning: true })
  await reader.run({ eachMessage: async ({ message }) => { seen.push(message.value.toString()) } })
  await waitFor(() => seen.length >= 2, 30000, 'committed records')
  await new Promise(resolve => setTimeout(resolve, 1500))
  await reader.disconnect()
  assert.deepEqual(seen, ['c1', 'c2'])

  // A second producer with the same transactional id fences the first.
  const newer = kafka.producer({ transactionalId: 'kj-tx1', idempotent: true, maxInFlightRequests: 1 })
  await newer.connect()
  const nt = await newer.transaction()
  await nt.send({ topic: 'kj-tx', messages: [{ value: 'newer' }] })
  await nt.commit()
  await assert.rejects(async () => {
    const zt = await tp.transaction()
    await zt.send({ topic: 'kj-tx', messages: [{ value: 'zombie' }] })
    await zt.commit()
  }, (e) => /epoch|fenced/i.test(e.message + ' ' + (e.type || '')))
  await newer.disconnect()
  await tp.disconnect().catch(() => {})
  await admin.disconnect()
})
