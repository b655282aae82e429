// Throughput from the worker's Prometheus endpoint (/metrics): records per second per task,
// sampled every few seconds while the UI is open and kept across page changes.
//   source tasks: kafka_connect_source_task_metrics_source_record_write_total
//   sink tasks:   kafka_connect_sink_task_metrics_sink_record_send_total
import { svg, h } from './dom.js'

const INTERVAL_MS = 2000
const KEEP = 90 // samples per task (3 minutes)
const COUNTERS = {
  kafka_connect_source_task_metrics_source_record_write_total: 'source',
  kafka_connect_sink_task_metrics_sink_record_send_total: 'sink'
}

const series = new Map() // "connector/task" -> {connector, task, type, total, points: [{t, rate}]}
const listeners = new Set()
let timer = null
let state = 'starting' // 'ok' | 'disabled' | 'error'
let lastError = ''

export function parseLabels (s) {
  const out = {}
  const re = /(\w+)="((?:[^"\\]|\\.)*)"/g
  let m
  while ((m = re.exec(s))) out[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\(.)/g, '$1')
  return out
}

// The counters of interest from a Prometheus text exposition.
export function parseCounters (text) {
  const out = []
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line)
    if (!m || !COUNTERS[m[1]]) continue
    const labels = parseLabels(m[3] || '')
    out.push({ type: COUNTERS[m[1]], connector: labels.connector, task: Number(labels.task), value: Number(m[4]) })
  }
  return out
}

async function sample () {
  let text
  try {
    const res = await fetch('/metrics', { credentials: 'same-origin' })
    if (res.status === 404) {
      state = 'disabled'
      notify()
      return
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    text = await res.text()
  } catch (e) {
    state = 'error'
    lastError = e.message
    notify()
    return
  }
  state = 'ok'
  const now = Date.now()
  const seen = new Set()
  for (const c of parseCounters(text)) {
    const key = `${c.connector}/${c.task}`
    seen.add(key)
    let s = series.get(key)
    if (!s) {
      s = { connector: c.connector, task: c.task, type: c.type, total: c.value, at: now, points: [] }
      series.set(key, s)
      continue
    }
    const dt = (now - s.at) / 1000
    const rate = dt > 0 && c.value >= s.total ? (c.value - s.total) / dt : 0
    s.points.push({ t: now, rate })
    if (s.points.length > KEEP) s.points.shift()
    s.total = c.value
    s.at = now
  }
  for (const k of [...series.keys()]) if (!seen.has(k)) series.delete(k)
  notify()
}

function notify () {
  for (const fn of listeners) fn()
}

export function startSampling () {
  if (timer) return
  sample()
  timer = setInterval(sample, INTERVAL_MS)
}

// fn() is called after every sample; returns the unsubscribe function.
export function subscribe (fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

export function metricsState () {
  return { state, error: lastError }
}

export function taskSeries (connector) {
  return [...series.values()]
    .filter((s) => connector === undefined || s.connector === connector)
    .sort((a, b) => a.connector.localeCompare(b.connector) || a.task - b.task)
}

export function latestRate (s) {
  return s.points.length ? s.points[s.points.length - 1].rate : undefined
}

// A small line chart of the rates (newest right).
export function sparkline (points, { width = 300, height = 48, label = 'records per second' } = {}) {
  const n = KEEP
  const max = Math.max(1, ...points.map((p) => p.rate))
  const x = (i) => (width * (n - points.length + i)) / (n - 1)
  const y = (r) => height - 2 - ((height - 4) * r) / max
  const coords = points.map((p, i) => `${x(i).toFixed(1)},${y(p.rate).toFixed(1)}`).join(' ')
  const s = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label })
  if (points.length > 1) {
    s.append(svg('polygon', { class: 'area', points: `${x(0).toFixed(1)},${height} ${coords} ${x(points.length - 1).toFixed(1)},${height}` }))
    s.append(svg('polyline', { points: coords }))
  }
  return s
}

export function metricsNote () {
  const { state: st, error } = metricsState()
  if (st === 'disabled') return h('div', { class: 'message info' }, 'Metrics are switched off on this worker (metrics.enable=false).')
  if (st === 'error') return h('div', { class: 'message error' }, `Could not read /metrics: ${error}`)
  return null
}
