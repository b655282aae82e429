// An independent Confluent client for Ferry's Schema Registry and AvroConverter: kafkajs plus
// @kafkajs/confluent-schema-registry (avsc underneath). Driven by tests/integration/test_schema_registry.py.
//   node avro_client.js decode <bootstrap> <registry> <topic> <count>   -> one JSON line per decoded value
//   node avro_client.js encode <bootstrap> <registry> <topic> <subject> <schema-json> <values-json>
const { Kafka, logLevel } = require('kafkajs')
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry')

async function decode(bootstrap, registryUrl, topic, count) {
  const registry = new SchemaRegistry({ host: registryUrl })
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'ferry-sr-test', logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `ferry-sr-test-${Date.now()}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const out = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${count} records`)), 60000)
    consumer.run({
      eachMessage: async ({ message }) => {
        if (out.length >= count) return
        out.push(await registry.decode(message.value))
        if (out.length === count) { clearTimeout(timer); resolve() }
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  for (const v of out) process.stdout.write(JSON.stringify(v) + '\n')
}

async function encode(bootstrap, registryUrl, topic, subject, schema, values) {
  const registry = new SchemaRegistry({ host: registryUrl })
  const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject })
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'ferry-sr-test', logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (const v of JSON.parse(values)) messages.push({ value: await registry.encode(id, v) })
  await producer.send({ topic, messages })
  await producer.disconnect()
  process.stdout.write(JSON.stringify({ id }) + '\n')
}

const [mode, ...args] = process.argv.slice(2)
const run = mode === 'decode' ? decode(args[0], args[1], args[2], Number(args[3])) : encode(...args)
run.catch((e) => { console.error(e); process.exit(1) })
