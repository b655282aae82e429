// One connector: state and actions, tasks with their failure traces, configuration (secrets
// hidden), offsets (editable while stopped), topics and throughput.
import { h, replace, badge, link, errorBox, toast, confirmDialog, tabs, pretty, fmtRate, shortClass } from '../dom.js'
import { connect } from '../api.js'
import { subscribe, taskSeries, latestRate, sparkline, metricsNote } from '../metrics.js'

export default async function connectorPage (root, [name], ctx) {
  const enc = encodeURIComponent(name)
  let status = await connect.status(name)
  const cls = (await connect.config(name)).config['connector.class']

  const stateBadge = h('span', { 'data-testid': 'connector-state' })
  const workerEl = h('span', { class: 'mono' })
  const connectorTrace = h('div')
  const actions = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Connector actions' })
  const tasksEl = h('div')
  const panel = h('div', { role: 'tabpanel' })
  const openTraces = new Set()
  let selectedTab = ctx.query.get('tab') || 'tasks'

  const btn = (label, testid, fn, opts = {}) => h('button', { 'data-testid': testid, class: opts.class, onClick: () => run(label, fn) }, label)
  const buttons = {
    pause: btn('Pause', 'action-pause', () => connect.pause(name)),
    resume: btn('Resume', 'action-resume', () => connect.resume(name)),
    stop: btn('Stop', 'action-stop', () => connect.stop(name)),
    restart: btn('Restart', 'action-restart', () => connect.restart(name)),
    restartFailed: btn('Restart failed tasks', 'action-restart-failed', () => connect.restartFailed(name)),
    edit: h('a', { class: 'button', href: `/ui/connectors/${enc}/edit`, 'data-nav': true, 'data-testid': 'action-edit' }, 'Edit'),
    remove: h('button', { class: 'danger', 'data-testid': 'action-delete', onClick: remove }, 'Delete')
  }
  actions.append(...Object.values(buttons))

  async function run (label, fn) {
    for (const b of actions.querySelectorAll('button')) b.disabled = true
    try {
      await fn()
      toast(`${label}: done`)
    } catch (e) {
      toast(`${label} failed: ${e.message}`, 'error')
    }
    await refresh()
  }

  async function remove () {
    const ok = await confirmDialog({
      title: `Delete connector ${name}?`,
      body: 'Its tasks stop and its configuration is removed. Committed offsets stay in the offsets store.',
      confirm: 'Delete',
      danger: true
    })
    if (!ok) return
    try {
      await connect.remove(name)
      toast(`Deleted ${name}`)
      ctx.navigate('/ui/connectors')
    } catch (e) {
      toast(`Delete failed: ${e.message}`, 'error')
    }
  }

  function drawStatus () {
    const st = status.connector.state
    replace(stateBadge, badge(st))
    workerEl.textContent = status.connector.worker_id
    const failed = status.tasks.some((t) => t.state === 'FAILED') || st === 'FAILED'
    buttons.pause.disabled = !(st === 'RUNNING' || st === 'UNASSIGNED')
    buttons.resume.disabled = !(st === 'PAUSED' || st === 'STOPPED')
    buttons.stop.disabled = st === 'STOPPED'
    buttons.restart.disabled = false
    buttons.restartFailed.disabled = !failed
    buttons.remove.disabled = false
    replace(connectorTrace, status.connector.trace
      ? h('details', { class: 'trace', 'data-testid': 'connector-trace' }, h('summary', null, 'Connector failure trace'), h('pre', null, status.connector.trace))
      : null)
    drawTasks()
  }

  // The table is rebuilt only when the tasks change (so an open trace, a text selection or the
  // focus survive auto-refresh); the rates are updated in place.
  let drawnTasks = ''
  function drawTasks () {
    const key = JSON.stringify([status.connector.state, status.tasks])
    if (key === drawnTasks) return updateRates()
    drawnTasks = key
    if (!status.tasks.length) {
      return replace(tasksEl, h('p', { class: 'muted' }, status.connector.state === 'STOPPED' ? 'A stopped connector has no tasks.' : 'No tasks yet.'))
    }
    const focused = tasksEl.contains(document.activeElement) ? document.activeElement.dataset.fk : null
    replace(tasksEl, h('table', { 'data-testid': 'task-table' },
      h('thead', null, h('tr', null, h('th', null, 'Task'), h('th', null, 'State'), h('th', null, 'Worker'), h('th', null, 'Records/s'), h('th', null, ''))),
      h('tbody', null, status.tasks.map((t) => {
        const trace = t.trace
          ? h('details', { class: 'trace', 'data-testid': `task-trace-${t.id}`, open: openTraces.has(t.id) },
            h('summary', { 'data-fk': `trace-${t.id}` }, 'Failure trace'), h('pre', null, t.trace))
          : null
        if (trace) trace.addEventListener('toggle', () => { if (trace.open) openTraces.add(t.id); else openTraces.delete(t.id) })
        return h('tr', { 'data-task': t.id },
          h('td', null, String(t.id)),
          h('td', null, badge(t.state), trace),
          h('td', { class: 'mono' }, t.worker_id),
          h('td', { class: 'nowrap', 'data-rate': t.id }, '–'),
          h('td', null, h('button', {
            class: 'small',
            'data-fk': `restart-${t.id}`,
            'aria-label': `Restart task ${t.id}`,
            onClick: () => run(`Restart task ${t.id}`, () => connect.restartTask(name, t.id))
          }, 'Restart')))
      }))))
    if (focused) {
      const el = tasksEl.querySelector(`[data-fk="${focused}"]`)
      if (el) el.focus()
    }
    updateRates()
  }

  function updateRates () {
    const rates = new Map(taskSeries(name).map((s) => [s.task, s]))
    for (const cell of tasksEl.querySelectorAll('td[data-rate]')) {
      const s = rates.get(Number(cell.dataset.rate))
      replace(cell, s ? [h('span', { class: 'spark' }, sparkline(s.points, { width: 90, height: 22, label: `task ${cell.dataset.rate} records per second` })), ' ', fmtRate(latestRate(s))] : '–')
    }
  }

  async function refresh () {
    try {
      status = await connect.status(name)
      drawStatus()
    } catch (e) {
      if (e.status === 404) {
        replace(root, h('h1', null, name), h('div', { class: 'message warn' }, 'This connector no longer exists. ', link('/ui/connectors', 'Back to the list.')))
        return
      }
      toast(`Could not refresh: ${e.message}`, 'error')
    }
  }

  // Tabs
  async function showTab (id) {
    selectedTab = id
    const u = new URL(location.href)
    u.searchParams.set('tab', id)
    history.replaceState(null, '', u.pathname + u.search)
    replace(panel, h('p', { class: 'muted' }, 'Loading…'))
    try {
      if (id === 'tasks') replace(panel, connectorTrace, tasksEl)
      else if (id === 'config') replace(panel, await configView())
      else if (id === 'offsets') replace(panel, await offsetsView())
      else if (id === 'topics') replace(panel, await topicsView())
    } catch (e) {
      replace(panel, errorBox(e))
    }
  }

  async function configView () {
    const { config, hidden } = await connect.config(name)
    const secret = new Set(hidden)
    return h('div', null,
      h('table', { 'data-testid': 'config-table' },
        h('thead', null, h('tr', null, h('th', null, 'Key'), h('th', null, 'Value'))),
        h('tbody', null, Object.keys(config).sort().map((k) => h('tr', null,
          h('td', { class: 'mono' }, k),
          h('td', { class: 'mono wrap' }, secret.has(k) ? badge('hidden', 'secret') : config[k]))))),
      hidden.length ? h('p', { class: 'muted' }, `${hidden.length} secret value(s) hidden.`) : null)
  }

  async function offsetsView () {
    const [offsets, st] = await Promise.all([connect.offsets(name), connect.status(name)])
    const stopped = st.connector.state === 'STOPPED'
    const list = offsets.offsets || []
    const editor = h('textarea', { 'aria-label': 'Offsets JSON', 'data-testid': 'offsets-json', spellcheck: 'false', disabled: !stopped }, pretty({ offsets: list }))
    editor.style.minHeight = '160px'
    const msg = h('div', { 'aria-live': 'polite' })
    const apply = h('button', {
      class: 'primary',
      disabled: !stopped,
      'data-testid': 'offsets-apply',
      onClick: async () => {
        let body
        try { body = JSON.parse(editor.value) } catch (e) { return replace(msg, errorBox(`Not valid JSON: ${e.message}`)) }
        try {
          const r = await connect.alterOffsets(name, body)
          replace(msg, h('div', { class: 'message info' }, r.message))
        } catch (e) { replace(msg, errorBox(e)) }
      }
    }, 'Apply offsets')
    const reset = h('button', {
      class: 'danger',
      disabled: !stopped,
      'data-testid': 'offsets-reset',
      onClick: async () => {
        if (!await confirmDialog({ title: `Reset every offset of ${name}?`, body: 'When resumed, the connector starts from the beginning (or where its own defaults say).', confirm: 'Reset offsets', danger: true })) return
        try {
          const r = await connect.resetOffsets(name)
          replace(msg, h('div', { class: 'message info' }, r.message))
        } catch (e) { replace(msg, errorBox(e)) }
      }
    }, 'Reset all offsets')
    return h('div', null,
      list.length
        ? h('table', { 'data-testid': 'offsets-table' },
          h('thead', null, h('tr', null, h('th', null, 'Partition'), h('th', null, 'Offset'))),
          h('tbody', null, list.map((o) => h('tr', null, h('td', { class: 'mono wrap' }, JSON.stringify(o.partition)), h('td', { class: 'mono wrap' }, JSON.stringify(o.offset))))))
        : h('p', { class: 'muted' }, 'No committed offsets.'),
      h('h3', null, 'Alter or reset'),
      stopped
        ? h('p', { class: 'muted' }, 'Edit the JSON (an offset of null resets that partition) and apply it, or reset every offset.')
        : h('div', { class: 'message info' }, 'Offsets can be altered or reset only while the connector is stopped. Use Stop first.'),
      editor,
      h('div', { class: 'toolbar' }, apply, reset),
      msg)
  }

  async function topicsView () {
    let topics
    try {
      topics = (await connect.topics(name))[name].topics
    } catch (e) {
      return h('div', { class: 'message info' }, `Topic tracking: ${e.message}`)
    }
    if (!topics.length) return h('p', { class: 'muted' }, 'The connector has not used any topic yet.')
    return h('ul', null, topics.map((t) => h('li', null, link(`/ui/topics/${encodeURIComponent(t)}`, t))))
  }

  const tabBar = tabs([
    { id: 'tasks', label: 'Tasks' },
    { id: 'config', label: 'Configuration' },
    { id: 'offsets', label: 'Offsets' },
    { id: 'topics', label: 'Topics' }
  ], showTab, selectedTab)

  root.append(
    h('div', { class: 'crumbs' }, link('/ui/connectors', 'Connectors'), ' / '),
    h('div', { class: 'page-head' },
      h('div', null,
        h('h1', null, name, ' ', stateBadge),
        h('p', { class: 'sub' }, badge(status.type, status.type), ' ', h('span', { class: 'mono', title: cls }, shortClass(cls)), ' · on ', workerEl,
          ' · ', `${status.tasks.length} task(s)`))),
    actions,
    tabBar,
    panel,
    h('h2', null, 'Throughput'),
    throughputEl())

  function throughputEl () {
    const el = h('div')
    function draw () {
      const note = metricsNote()
      if (note) return replace(el, note)
      const series = taskSeries(name)
      if (!series.length) return replace(el, h('p', { class: 'muted' }, 'No running task reports metrics.'))
      replace(el, h('div', { class: 'charts' }, series.map((s) => h('div', { class: 'chart' },
        h('div', { class: 'title' }, h('span', null, `Task ${s.task} · ${s.type}`), h('span', { class: 'rate' }, fmtRate(latestRate(s)))),
        sparkline(s.points, { label: `task ${s.task} records per second` })))))
    }
    draw()
    ctx.onLeave(subscribe(() => {
      draw()
      updateRates()
    }))
    return el
  }

  drawStatus()
  await showTab(selectedTab)
  ctx.every(3000, refresh)
}
