// Topics: every topic with its partitions and offsets; one topic's partitions and its latest
// records, decoded (JSON, Avro through the schema registry, string or hex).
import { h, replace, badge, link, errorBox, fmtNumber, fmtTime, pretty } from '../dom.js'
import { ferry } from '../api.js'

export async function topicList (root, _params, ctx) {
  const search = h('input', { type: 'search', class: 'search', placeholder: 'Filter topics', 'aria-label': 'Filter topics', value: ctx.query.get('q') || '' })
  const internal = h('input', { type: 'checkbox', checked: ctx.query.get('internal') === 'true' })
  const table = h('div')
  const stamp = h('span', { class: 'muted' })
  root.append(
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Topics'), h('p', { class: 'sub' }, 'Topics of the Kafka cluster, with their partitions and end offsets.'))),
    h('div', { class: 'toolbar' }, search, h('label', null, internal, 'Show internal topics'), h('span', { class: 'spacer' }), stamp, h('button', { onClick: () => load() }, 'Refresh')),
    table)
  let topics = null
  async function load () {
    try {
      topics = await ferry.topics()
      stamp.textContent = `updated ${new Date().toLocaleTimeString()}`
      draw()
    } catch (e) {
      replace(table, errorBox(e))
    }
  }
  function draw () {
    const needle = search.value.trim().toLowerCase()
    const rows = topics.filter((t) => (internal.checked || !t.internal) && (!needle || t.name.toLowerCase().includes(needle)))
    replace(table, h('table', { 'data-testid': 'topic-table' },
      h('caption', { class: 'muted count' }, `${rows.length} of ${topics.length} topics`),
      h('thead', null, h('tr', null, h('th', null, 'Topic'), h('th', { class: 'num' }, 'Partitions'), h('th', { class: 'num' }, 'Messages'), h('th', { class: 'num' }, 'End offsets (sum)'), h('th', null, ''))),
      h('tbody', null, rows.map((t) => h('tr', { 'data-topic': t.name },
        h('td', { class: 'wrap' }, link(`/ui/topics/${encodeURIComponent(t.name)}`, t.name)),
        h('td', { class: 'num' }, String(t.partitions.length)),
        h('td', { class: 'num' }, fmtNumber(t.messages)),
        h('td', { class: 'num', title: t.partitions.map((p) => `${p.partition}: ${p.end_offset}`).join(', ') }, fmtNumber(t.partitions.reduce((s, p) => s + p.end_offset, 0))),
        h('td', null, t.internal ? badge('internal', 'info') : '')))),
      rows.length ? null : h('tbody', null, h('tr', null, h('td', { colspan: 5, class: 'empty' }, 'No topic matches.')))))
  }
  const changed = () => {
    const p = new URLSearchParams()
    if (search.value) p.set('q', search.value)
    if (internal.checked) p.set('internal', 'true')
    const qs = p.toString()
    history.replaceState(null, '', `/ui/topics${qs ? '?' + qs : ''}`)
    if (topics) draw()
  }
  search.addEventListener('input', changed)
  internal.addEventListener('change', changed)
  await load()
  ctx.every(10000, load)
}

const FORMATS = ['auto', 'json', 'avro', 'string', 'hex']

export async function topicPage (root, [name], ctx) {
  const topic = await ferry.topic(name)
  const q = ctx.query
  const n = h('select', { 'aria-label': 'How many records', id: 'peek-n' }, [1, 5, 10, 25, 50, 100, 250].map((v) => h('option', { value: String(v) }, String(v))))
  n.value = q.get('n') || '10'
  const partition = h('select', { 'aria-label': 'Partition', id: 'peek-partition' }, h('option', { value: '' }, 'All partitions'),
    topic.partitions.map((p) => h('option', { value: String(p.partition) }, `Partition ${p.partition}`)))
  partition.value = q.get('partition') || ''
  const format = h('select', { 'aria-label': 'Value format', id: 'peek-format' }, FORMATS.map((f) => h('option', { value: f }, f)))
  format.value = q.get('format') || 'auto'
  const keyFormat = h('select', { 'aria-label': 'Key format', id: 'peek-key-format' }, FORMATS.map((f) => h('option', { value: f }, f)))
  keyFormat.value = q.get('key_format') || 'auto'
  const results = h('div', { 'aria-live': 'polite', 'data-testid': 'peek-results' })
  const peekBtn = h('button', { class: 'primary', 'data-testid': 'peek', onClick: peek }, 'Peek')

  const partitionTable = h('div')
  function drawPartitions (t) {
    replace(partitionTable, h('table', { 'data-testid': 'partition-table' },
      h('thead', null, h('tr', null, h('th', null, 'Partition'), h('th', { class: 'num' }, 'Start offset'), h('th', { class: 'num' }, 'End offset'), h('th', { class: 'num' }, 'Messages'))),
      h('tbody', null, t.partitions.map((p) => h('tr', null,
        h('td', null, String(p.partition)),
        h('td', { class: 'num' }, fmtNumber(p.start_offset)),
        h('td', { class: 'num' }, fmtNumber(p.end_offset)),
        h('td', { class: 'num' }, fmtNumber(p.end_offset - p.start_offset)))))))
  }
  drawPartitions(topic)

  root.append(
    h('div', { class: 'crumbs' }, link('/ui/topics', 'Topics'), ' / '),
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, name),
      h('p', { class: 'sub' }, `${topic.partitions.length} partition(s) · ${fmtNumber(topic.messages)} message(s)`, topic.internal ? [' · ', badge('internal', 'info')] : null))),
    partitionTable,
    h('h2', null, 'Latest records'),
    h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Peek options' },
      h('label', { for: 'peek-n' }, 'Show'), n,
      h('label', { for: 'peek-partition' }, 'from'), partition,
      h('label', { for: 'peek-format' }, 'value as'), format,
      h('label', { for: 'peek-key-format' }, 'key as'), keyFormat,
      peekBtn),
    results)

  async function peek () {
    const params = { n: n.value, format: format.value, key_format: keyFormat.value }
    if (partition.value) params.partition = partition.value
    const u = new URL(location.href)
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v)
    if (!partition.value) u.searchParams.delete('partition')
    history.replaceState(null, '', u.pathname + u.search)
    peekBtn.disabled = true
    replace(results, h('p', { class: 'muted' }, 'Reading…'))
    try {
      const [r, t] = await Promise.all([ferry.peek(name, params), ferry.topic(name)])
      drawPartitions(t)
      if (!r.messages.length) return replace(results, h('p', { class: 'muted' }, 'No records in this topic (or partition).'))
      replace(results, h('div', { class: 'messages' }, r.messages.map(messageEl)))
    } catch (e) {
      replace(results, errorBox(e))
    } finally {
      peekBtn.disabled = false
    }
  }
  for (const el of [n, partition, format, keyFormat]) el.addEventListener('change', peek)
  await peek()
}

function messageEl (m) {
  return h('article', { class: 'msg', 'data-offset': `${m.partition}:${m.offset}` },
    h('div', { class: 'msg-head' },
      h('span', null, 'partition ', h('span', { class: 'mono' }, String(m.partition))),
      h('span', null, 'offset ', h('span', { class: 'mono' }, String(m.offset))),
      h('span', null, h('span', { class: 'mono' }, fmtTime(m.timestamp)))),
    payloadEl('key', m.key),
    payloadEl('value', m.value),
    m.headers.length
      ? h('div', { class: 'msg-part' }, h('span', { class: 'label' }, 'headers'),
        m.headers.map((x) => h('span', { class: 'mono' }, `${x.key}=${shown(x.value)}  `)))
      : null)
}

function shown (p) {
  if (p.format === 'null') return 'null'
  if (p.format === 'json' || p.format === 'avro') return JSON.stringify(p.json)
  if (p.format === 'string') return p.text
  return `0x${p.hex}`
}

function payloadEl (label, p) {
  let body
  if (p.format === 'null') body = h('span', { class: 'muted' }, 'null')
  else if (p.format === 'json' || p.format === 'avro') body = h('pre', { 'data-format': p.format }, pretty(p.json))
  else if (p.format === 'string') body = h('pre', { 'data-format': 'string' }, p.text)
  else body = h('pre', { 'data-format': 'hex' }, hexDump(p.hex))
  return h('div', { class: 'msg-part', 'data-part': label },
    h('span', { class: 'label' }, label),
    badge(p.format === 'avro' ? `avro · schema ${p.schema_id}` : p.format, 'info'),
    p.size !== undefined ? h('span', { class: 'muted' }, ` ${fmtNumber(p.size)} bytes`) : null,
    p.truncated ? h('span', { class: 'muted' }, ' (cut)') : null,
    p.error ? h('div', { class: 'message warn' }, p.error) : null,
    body)
}

// 16 bytes a line with their printable characters.
function hexDump (hex) {
  const lines = []
  for (let i = 0; i < hex.length; i += 32) {
    const chunk = hex.slice(i, i + 32)
    const bytes = chunk.match(/../g) || []
    const text = bytes.map((b) => { const c = parseInt(b, 16); return c >= 32 && c < 127 ? String.fromCharCode(c) : '.' }).join('')
    lines.push(`${(i / 2).toString(16).padStart(6, '0')}  ${bytes.join(' ').padEnd(47)}  ${text}`)
  }
  return lines.join('\n')
}
