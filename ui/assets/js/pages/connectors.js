// Connectors: every connector with its type, class, state and tasks; filters; auto-refresh.
import { h, replace, badge, link, errorBox, shortClass } from '../dom.js'
import { connect } from '../api.js'
import { STATES } from './overview.js'

export default async function connectors (root, _params, ctx) {
  const q = ctx.query
  const search = h('input', { type: 'search', class: 'search', placeholder: 'Filter by name, class or topic', 'aria-label': 'Filter connectors', value: q.get('q') || '' })
  const state = h('select', { 'aria-label': 'State' },
    h('option', { value: '' }, 'All states'), STATES.map((s) => h('option', { value: s }, s)))
  state.value = q.get('state') || ''
  const type = h('select', { 'aria-label': 'Type' },
    h('option', { value: '' }, 'Sources and sinks'), h('option', { value: 'source' }, 'Sources'), h('option', { value: 'sink' }, 'Sinks'))
  type.value = q.get('type') || ''
  const auto = h('input', { type: 'checkbox', checked: true })
  const stamp = h('span', { class: 'muted', 'aria-live': 'off' })
  const table = h('div')
  root.append(
    h('div', { class: 'page-head' },
      h('div', null, h('h1', null, 'Connectors'), h('p', { class: 'sub' }, 'Sources and sinks on this cluster.')),
      h('a', { class: 'button primary', href: '/ui/connectors/new', 'data-nav': true }, 'New connector')),
    h('div', { class: 'toolbar' }, search, state, type, h('span', { class: 'spacer' }),
      h('label', null, auto, 'Auto-refresh'), stamp,
      h('button', { onClick: () => load() }, 'Refresh')),
    table)

  let data = null
  // connector.class may be an alias ("FileStreamSource"); the plugin list gives the class.
  let classes = null
  async function load () {
    try {
      const [statuses, configs, plugins] = await Promise.all([connect.connectors(), connect.configs(), classes ? null : connect.plugins().catch(() => [])])
      if (plugins) classes = pluginAliases(plugins)
      data = {}
      for (const [name, c] of Object.entries(statuses)) data[name] = { status: c.status, config: (configs[name] || {}).config || {} }
      stamp.textContent = `updated ${new Date().toLocaleTimeString()}`
      draw()
    } catch (e) {
      replace(table, errorBox(e))
    }
  }

  function draw () {
    if (!data) return
    const needle = search.value.trim().toLowerCase()
    const rows = Object.entries(data)
      .map(([name, c]) => ({ name, status: c.status, config: c.config }))
      .filter((c) => !state.value || c.status.connector.state === state.value)
      .filter((c) => !type.value || c.status.type === type.value)
      .filter((c) => {
        if (!needle) return true
        const cfg = c.config
        const hay = [c.name, cfg['connector.class'], pluginClass(cfg['connector.class']), cfg.topic, cfg.topics, cfg['kafka.topic'], cfg['topics.regex']].filter(Boolean).join(' ').toLowerCase()
        return hay.includes(needle)
      })
      .sort((a, b) => a.name.localeCompare(b.name))
    const total = Object.keys(data).length
    if (!total) {
      return replace(table, h('div', { class: 'panel empty' }, 'No connectors yet. ', link('/ui/connectors/new', 'Create one.')))
    }
    replace(table,
      h('table', { 'data-testid': 'connector-table' },
        h('caption', { class: 'muted count' }, `${rows.length} of ${total} connectors`),
        h('thead', null, h('tr', null,
          h('th', null, 'Name'), h('th', null, 'Type'), h('th', null, 'Class'), h('th', null, 'State'), h('th', null, 'Tasks'), h('th', null, 'Worker'))),
        h('tbody', null, rows.map((c) => {
          const tasks = c.status.tasks
          const running = tasks.filter((t) => t.state === 'RUNNING').length
          const failed = tasks.filter((t) => t.state === 'FAILED').length
          return h('tr', { 'data-connector': c.name },
            h('td', { class: 'wrap' }, link(`/ui/connectors/${encodeURIComponent(c.name)}`, c.name)),
            h('td', null, badge(c.status.type, c.status.type)),
            h('td', { class: 'mono', title: pluginClass(c.config['connector.class']) }, shortClass(pluginClass(c.config['connector.class']))),
            h('td', null, badge(c.status.connector.state)),
            h('td', { class: 'nowrap' }, `${running}/${tasks.length} running`, failed ? [' ', badge(`${failed} failed`, 'FAILED')] : null),
            h('td', { class: 'mono' }, c.status.connector.worker_id))
        })),
        rows.length ? null : h('tbody', null, h('tr', null, h('td', { colspan: 6, class: 'empty' }, 'No connector matches the filter.')))))
  }

  function pluginClass (cls) {
    return (classes && classes.get(cls)) || cls || ''
  }

  function filtersChanged () {
    const p = new URLSearchParams()
    if (search.value) p.set('q', search.value)
    if (state.value) p.set('state', state.value)
    if (type.value) p.set('type', type.value)
    const qs = p.toString()
    history.replaceState(null, '', `/ui/connectors${qs ? '?' + qs : ''}`)
    draw()
  }
  search.addEventListener('input', filtersChanged)
  state.addEventListener('change', filtersChanged)
  type.addEventListener('change', filtersChanged)

  await load()
  ctx.every(3000, () => { if (auto.checked) load() })
}

// Kafka Connect accepts a plugin's class, its simple name, and the simple name without
// "Connector" (FileStreamSource): each maps to the class.
export function pluginAliases (plugins) {
  const m = new Map()
  for (const p of plugins) {
    const simple = shortClass(p.class)
    for (const a of [simple, simple.replace(/Connector$/, ''), p.class]) if (a && !m.has(a)) m.set(a, p.class)
  }
  return m
}
