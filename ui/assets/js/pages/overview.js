// Overview: this worker, the Kafka cluster, the workers, connectors and tasks by state, throughput.
import { h, replace, badge, link, errorBox, fmtNumber, fmtRate } from '../dom.js'
import { connect, ferry } from '../api.js'
import { subscribe, taskSeries, latestRate, sparkline, metricsNote } from '../metrics.js'

export const STATES = ['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED', 'RESTARTING']

export default async function overview (root, _params, ctx) {
  const body = h('div')
  root.append(
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Overview'), h('p', { class: 'sub' }, 'This worker, its Kafka cluster and what runs on it.'))),
    body)

  const chart = h('div')
  async function load () {
    const [rootInfo, info, workers, conns, topics] = await Promise.all([
      connect.root(), ferry.info(), ferry.workers(), connect.connectors(),
      ferry.topics(false).catch((e) => e)
    ])
    const byState = Object.fromEntries(STATES.map((s) => [s, 0]))
    const tasksByState = Object.fromEntries(STATES.map((s) => [s, 0]))
    let tasks = 0
    for (const c of Object.values(conns)) {
      const st = c.status.connector.state
      byState[st] = (byState[st] || 0) + 1
      for (const t of c.status.tasks) {
        tasksByState[t.state] = (tasksByState[t.state] || 0) + 1
        tasks++
      }
    }
    const total = Object.keys(conns).length
    const stateLinks = (counts, prefix) => h('div', { class: 'state-counts' },
      STATES.filter((s) => counts[s] > 0 || s === 'RUNNING' || s === 'FAILED').map((s) =>
        prefix
          ? link(`/ui/connectors?state=${s}`, h('span', { class: `badge ${s}`, 'data-testid': `${prefix}-${s}` }, `${s} ${counts[s] || 0}`))
          : h('span', { class: `badge ${s}` }, `${s} ${counts[s] || 0}`)))
    replace(body,
      h('div', { class: 'cards' },
        h('section', { class: 'card', 'aria-labelledby': 'c-worker' },
          h('h2', { id: 'c-worker' }, 'Worker'),
          h('dl', null,
            h('dt', null, 'Version'), h('dd', { 'data-testid': 'worker-version' }, rootInfo.version),
            h('dt', null, 'Commit'), h('dd', { class: 'mono' }, rootInfo.commit),
            h('dt', null, 'Worker id'), h('dd', { class: 'mono' }, info.worker_id),
            h('dt', null, 'Mode'), h('dd', null, info.mode))),
        h('section', { class: 'card', 'aria-labelledby': 'c-kafka' },
          h('h2', { id: 'c-kafka' }, 'Kafka cluster'),
          h('dl', null,
            h('dt', null, 'Cluster id'), h('dd', { class: 'mono', 'data-testid': 'cluster-id' }, rootInfo.kafka_cluster_id),
            h('dt', null, 'Topics'), h('dd', { 'data-testid': 'topic-count' },
              Array.isArray(topics) ? link('/ui/topics', fmtNumber(topics.filter((t) => !t.internal).length)) : h('span', { class: 'muted' }, topics.message)),
            h('dt', null, 'Schema registry'), h('dd', null, info.schema_registry ? link('/ui/schemas', 'configured') : 'not configured'))),
        h('section', { class: 'card', 'aria-labelledby': 'c-conn' },
          h('h2', { id: 'c-conn' }, 'Connectors'),
          h('div', { class: 'big', 'data-testid': 'connector-total' }, link('/ui/connectors', String(total))),
          stateLinks(byState, 'count')),
        h('section', { class: 'card', 'aria-labelledby': 'c-tasks' },
          h('h2', { id: 'c-tasks' }, 'Tasks'),
          h('div', { class: 'big', 'data-testid': 'task-total' }, String(tasks)),
          stateLinks(tasksByState, null))),
      h('h2', null, `Workers (${workers.length})`),
      h('table', { 'data-testid': 'workers' },
        h('thead', null, h('tr', null, h('th', null, 'Worker'), h('th', { class: 'num' }, 'Connectors'), h('th', { class: 'num' }, 'Tasks'), h('th', null, ''))),
        h('tbody', null, workers.map((w) => h('tr', null,
          h('td', { class: 'mono' }, w.id),
          h('td', { class: 'num' }, String(w.connectors)),
          h('td', { class: 'num' }, String(w.tasks)),
          h('td', null, w.self ? badge('this worker', 'info') : ''))))),
      h('h2', null, 'Throughput'),
      chart)
    drawChart()
  }

  function drawChart () {
    const all = taskSeries()
    const note = metricsNote()
    if (note) return replace(chart, note)
    if (!all.length) return replace(chart, h('p', { class: 'muted' }, 'No task is running.'))
    // The sum over every task, point by point (aligned at the newest sample).
    const len = Math.max(...all.map((s) => s.points.length))
    const points = []
    for (let i = 0; i < len; i++) {
      let rate = 0
      for (const s of all) {
        const p = s.points[s.points.length - len + i]
        if (p) rate += p.rate
      }
      points.push({ rate })
    }
    const now = points.length ? points[points.length - 1].rate : undefined
    replace(chart, h('div', { class: 'chart' },
      h('div', { class: 'title' }, h('span', null, `All tasks (${all.length}) · records/s`), h('span', { class: 'rate' }, fmtRate(now))),
      sparkline(points, { label: 'records per second, all tasks' }),
      h('p', { class: 'muted' }, link('/ui/throughput', 'Per task →'))))
  }

  try {
    await load()
  } catch (e) {
    replace(body, errorBox(e))
  }
  ctx.every(5000, () => load().catch((e) => replace(body, errorBox(e))))
  ctx.onLeave(subscribe(drawChart))
}
