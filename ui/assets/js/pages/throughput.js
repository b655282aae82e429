// Throughput: records per second of every task, from the worker's metrics.
import { h, replace, link, fmtRate } from '../dom.js'
import { subscribe, taskSeries, latestRate, sparkline, metricsNote } from '../metrics.js'

export default async function throughput (root, _params, ctx) {
  const body = h('div', { 'data-testid': 'throughput' })
  root.append(
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Throughput'),
      h('p', { class: 'sub' }, 'Records per second per task, sampled from /metrics every 2 seconds while this page is open (sources: records written to Kafka; sinks: records put to the sink).'))),
    body)
  function draw () {
    const note = metricsNote()
    if (note) return replace(body, note)
    const all = taskSeries()
    if (!all.length) return replace(body, h('p', { class: 'muted' }, 'No task reports metrics yet.'))
    replace(body, h('div', { class: 'charts' }, all.map((s) => h('div', { class: 'chart', 'data-task': `${s.connector}/${s.task}` },
      h('div', { class: 'title' },
        h('span', null, link(`/ui/connectors/${encodeURIComponent(s.connector)}`, s.connector), ` · task ${s.task} · ${s.type}`),
        h('span', { class: 'rate' }, fmtRate(latestRate(s)))),
      sparkline(s.points, { label: `${s.connector} task ${s.task} records per second` })))))
  }
  draw()
  ctx.onLeave(subscribe(draw))
}
