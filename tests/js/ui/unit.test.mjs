// Pure functions of the UI, run by Node without a browser.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { diffLines } from '../../../ui/assets/js/diff.js'
import { parseCounters, parseLabels } from '../../../ui/assets/js/metrics.js'

test('diffLines turns one text into the other', () => {
  const a = '{\n  "a": 1,\n  "b": 2\n}'
  const b = '{\n  "a": 1,\n  "c": 3,\n  "b": 2\n}'
  const d = diffLines(a, b)
  assert.deepEqual(d.filter((l) => l.op !== 'same'), [{ op: 'add', line: '  "c": 3,' }])
  // Replaying the diff gives both sides back.
  assert.equal(d.filter((l) => l.op !== 'add').map((l) => l.line).join('\n'), a)
  assert.equal(d.filter((l) => l.op !== 'del').map((l) => l.line).join('\n'), b)
  assert.deepEqual(diffLines('x', 'y'), [{ op: 'del', line: 'x' }, { op: 'add', line: 'y' }])
})

test('parseCounters reads the task counters of a Prometheus exposition', () => {
  const text = [
    '# HELP kafka_connect_source_task_metrics_source_record_write_total x',
    '# TYPE kafka_connect_source_task_metrics_source_record_write_total counter',
    'kafka_connect_source_task_metrics_source_record_write_total{connector="a \\"q\\"",task="0"} 120',
    'kafka_connect_sink_task_metrics_sink_record_send_total{connector="s",task="3"} 7',
    'kafka_connect_source_task_metrics_source_record_poll_total{connector="a",task="0"} 999'
  ].join('\n')
  assert.deepEqual(parseCounters(text), [
    { type: 'source', connector: 'a "q"', task: 0, value: 120 },
    { type: 'sink', connector: 's', task: 3, value: 7 }
  ])
  assert.deepEqual(parseLabels('a="1",b="x\\\\y"'), { a: '1', b: 'x\\y' })
})
