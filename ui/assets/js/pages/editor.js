// Create or edit a connector: pick a plugin, then a form generated from
// PUT /connector-plugins/{type}/config/validate (groups, defaults, docs, errors inline as you
// type), or the raw JSON. Creating POSTs /connectors; editing PATCHes only what changed, so secret
// values the UI never sees stay as they are.
import { h, replace, link, errorBox, toast, tabs, pretty, shortClass, badge } from '../dom.js'
import { connect } from '../api.js'

const HIDDEN = '[hidden]'
// Groups of the framework's connector keys (Kafka Connect's ConnectorConfig and friends);
// transforms and predicates get one group per alias ("Transforms: mask").
const FRAMEWORK_GROUPS = new Set(['Transforms', 'Predicates', 'Error Handling', 'Topic Creation', 'Exactly Once Support', 'offsets.topic'])

export default async function editor (root, params, ctx) {
  const editing = params.length > 0 ? params[0] : null
  let original = null // edit: the config as shown (secrets hidden)
  let hidden = new Set()
  let plugins = []
  if (editing) {
    const r = await connect.config(editing)
    original = r.config
    hidden = new Set(r.hidden)
  } else {
    plugins = (await connect.plugins()).filter((p) => p.type === 'source' || p.type === 'sink')
  }

  let cls = editing ? original['connector.class'] : null
  let mode = 'form'
  let showAll = false
  let seq = 0
  let timer = null
  let lastResult = null
  const fields = new Map() // key -> { def, input, error, wrap, touched, group }
  const groups = new Map() // group name -> { fieldset, list }
  let extras = {} // keys of the config with no field (not defined by any plugin)

  const nameInput = h('input', { id: 'connector-name', 'aria-describedby': 'name-error', autocomplete: 'off', value: editing || '', disabled: !!editing })
  const nameError = h('p', { id: 'name-error', class: 'field-error', role: 'alert' })
  const formEl = h('div', { 'data-testid': 'config-form' })
  const generalErrors = h('div')
  const jsonArea = h('textarea', { 'aria-label': 'Connector configuration as JSON', spellcheck: 'false', 'data-testid': 'config-json' })
  const jsonPanel = h('div', { hidden: true }, h('p', { class: 'muted' }, 'The configuration as a flat JSON object of strings, as PUT /connectors/{name}/config takes it.'), jsonArea)
  const submitMsg = h('div', { 'aria-live': 'polite' })
  const submit = h('button', { class: 'primary', 'data-testid': 'submit', onClick: save }, editing ? 'Save changes' : 'Create connector')
  const statusLine = h('span', { class: 'muted', 'aria-live': 'polite' })

  const pluginPicker = editing ? null : pickerEl()
  const modeTabs = tabs([{ id: 'form', label: 'Form' }, { id: 'json', label: 'JSON' }], switchMode, 'form')

  root.append(
    h('div', { class: 'crumbs' }, link('/ui/connectors', 'Connectors'), ' / ', editing ? [link(`/ui/connectors/${encodeURIComponent(editing)}`, editing), ' / '] : null),
    h('div', { class: 'page-head' }, h('div', null,
      h('h1', null, editing ? `Edit ${editing}` : 'New connector'),
      h('p', { class: 'sub' }, editing ? `${shortClass(cls)} · changes are applied with PATCH; hidden secrets stay unless you type a new value.` : 'Pick a plugin, name the connector and fill in its configuration.'))),
    pluginPicker,
    h('div', { class: 'name-row' }, h('label', { for: 'connector-name' }, h('strong', null, 'Name'), ' '), nameInput, nameError),
    h('div', { id: 'editor-body', hidden: !cls },
      modeTabs,
      generalErrors,
      h('div', { role: 'tabpanel' }, formEl, jsonPanel),
      h('div', { class: 'form-actions' }, submit,
        h('a', { class: 'button', href: editing ? `/ui/connectors/${encodeURIComponent(editing)}` : '/ui/connectors', 'data-nav': true }, 'Cancel'),
        statusLine),
      submitMsg))

  nameInput.addEventListener('input', () => { nameError.textContent = ''; nameInput.removeAttribute('aria-invalid') })

  function pickerEl () {
    const filter = h('input', { type: 'search', class: 'search', placeholder: 'Filter plugins', 'aria-label': 'Filter plugins' })
    const list = h('div', { class: 'plugin-list', role: 'group', 'aria-label': 'Connector plugins' })
    function draw () {
      const needle = filter.value.toLowerCase()
      replace(list, plugins
        .filter((p) => !needle || p.class.toLowerCase().includes(needle) || p.type.includes(needle))
        .sort((a, b) => a.type.localeCompare(b.type) || shortClass(a.class).localeCompare(shortClass(b.class)))
        .map((p) => h('button', {
          'aria-pressed': String(p.class === cls),
          'data-plugin': p.class,
          onClick: () => choosePlugin(p.class)
        }, h('strong', null, shortClass(p.class)), ' ', badge(p.type, p.type), h('span', { class: 'cls' }, p.class))))
    }
    filter.addEventListener('input', draw)
    draw()
    const el = h('section', { class: 'panel', 'aria-labelledby': 'pick-title' }, h('h2', { id: 'pick-title', class: 'first' }, '1. Plugin'), h('div', { class: 'toolbar' }, filter), list)
    el.redraw = draw
    return el
  }

  async function choosePlugin (c) {
    cls = c
    if (pluginPicker) pluginPicker.redraw()
    const u = new URL(location.href)
    u.searchParams.set('class', c)
    history.replaceState(null, '', u.pathname + u.search)
    fields.clear()
    groups.clear()
    extras = {}
    showAll = false
    replace(formEl, h('p', { class: 'muted' }, 'Loading the configuration definition…'))
    root.querySelector('#editor-body').hidden = false
    await validateNow()
  }

  // --- the config as the form (or JSON) says it --------------------------------------------
  function collect () {
    const cfg = { 'connector.class': cls }
    const name = editing || nameInput.value.trim()
    if (name) cfg.name = name
    for (const [k, v] of Object.entries(extras)) cfg[k] = v
    for (const [k, f] of fields) {
      if (k === 'connector.class' || k === 'name') continue
      const v = f.input.value
      if (hidden.has(k) && v === '') cfg[k] = HIDDEN // unchanged secret
      else if (v !== '') cfg[k] = v
    }
    return cfg
  }

  function applyConfig (cfg) {
    if (cfg.name !== undefined && !editing) nameInput.value = cfg.name
    extras = {}
    for (const [k, f] of fields) {
      if (k === 'connector.class' || k === 'name') continue
      if (!(k in cfg)) f.input.value = ''
    }
    for (const [k, v] of Object.entries(cfg)) {
      if (k === 'connector.class' || k === 'name') continue
      const f = fields.get(k)
      if (f) {
        f.input.value = hidden.has(k) && v === HIDDEN ? '' : String(v)
        f.touched = true
        if (f.input.value !== '') f.wrap.closest('details').open = true
      } else {
        extras[k] = String(v)
      }
    }
  }

  // --- validation -------------------------------------------------------------------------
  function scheduleValidate () {
    clearTimeout(timer)
    timer = setTimeout(validateNow, 300)
  }

  async function validateNow () {
    clearTimeout(timer)
    const my = ++seq
    statusLine.textContent = 'Validating…'
    let r
    try {
      r = await connect.validate(cls, collect())
    } catch (e) {
      if (my === seq) {
        statusLine.textContent = ''
        replace(generalErrors, errorBox(e))
      }
      return null
    }
    if (my !== seq || !ctx.active) return null
    lastResult = r
    update(r)
    statusLine.textContent = r.error_count ? `${r.error_count} error(s)` : 'Valid'
    return r
  }

  function update (r) {
    const first = fields.size === 0
    if (first) {
      replace(formEl)
      // The plugin's own keys (no group) first, then the framework's groups in their order.
      ensureGroup(null)
      for (const g of r.groups) ensureGroup(g)
    }
    const seen = new Set()
    const general = []
    for (const c of r.configs) {
      const d = c.definition
      const key = c.value.name
      if (!d || key === 'connector.class') {
        if (c.value.errors.length) general.push(...c.value.errors.map((e) => `${key}: ${e}`))
        continue
      }
      if (key === 'name') { // the name box above the form
        if (!editing && (showAll || nameInput.value) && c.value.errors.length) {
          nameError.textContent = c.value.errors.join(' ')
          nameInput.setAttribute('aria-invalid', 'true')
        }
        continue
      }
      seen.add(key)
      let f = fields.get(key)
      if (!f) {
        f = makeField(d, c.value)
        fields.set(key, f)
        const filled = key in extras
        if (filled) {
          f.input.value = hidden.has(key) && extras[key] === HIDDEN ? '' : extras[key]
          f.touched = true
          delete extras[key]
        }
        insertField(f)
        // A value that is set is never tucked away in a closed group.
        if (filled && f.input.value !== '') f.wrap.closest('details').open = true
      }
      f.errors = c.value.errors
      f.wrap.hidden = c.value.visible === false && !f.input.value
      updateRecommended(f, c.value.recommended_values)
      drawError(f)
    }
    // Keys the plugin no longer defines (e.g. a removed transform): keep values as extras.
    for (const [k, f] of fields) {
      if (seen.has(k)) continue
      if (f.input.value) extras[k] = f.input.value
      f.wrap.remove()
      fields.delete(k)
    }
    for (const g of groups.values()) g.fieldset.hidden = !g.list.querySelector('.field:not([hidden])')
    replace(generalErrors, showAll && general.length ? h('div', { class: 'message error', role: 'alert' }, general.join('\n')) : null)
  }

  function ensureGroup (g) {
    const key = g || ''
    if (groups.has(key)) return groups.get(key)
    const list = h('div', { class: 'fields' })
    const title = g || shortClass(cls)
    // The plugin's own groups and Common start open; the framework's optional ones closed.
    const open = !g || g === 'Common' || !FRAMEWORK_GROUPS.has(g.replace(/:.*$/, ''))
    const details = h('details', { open }, h('summary', null, title), list)
    const fieldset = h('fieldset', { class: 'group', 'data-group': title }, details)
    formEl.append(fieldset)
    const entry = { fieldset, list, details }
    groups.set(key, entry)
    return entry
  }

  function makeField (d, v) {
    const id = `f-${d.name.replace(/[^A-Za-z0-9_-]/g, '_')}`
    let input
    const placeholder = d.default_value !== null && d.default_value !== undefined && d.default_value !== '' ? `default: ${d.default_value}` : ''
    if (d.type === 'BOOLEAN') {
      input = h('select', { id }, h('option', { value: '' }, d.default_value ? `(default: ${d.default_value})` : '(not set)'), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'))
    } else {
      input = h('input', {
        id,
        type: d.type === 'PASSWORD' ? 'password' : 'text',
        autocomplete: d.type === 'PASSWORD' ? 'new-password' : 'off',
        inputmode: ['INT', 'LONG', 'SHORT'].includes(d.type) ? 'numeric' : (d.type === 'DOUBLE' ? 'decimal' : undefined),
        placeholder: hidden.has(d.name) ? 'unchanged (hidden) – type to replace' : placeholder,
        spellcheck: 'false'
      })
    }
    input.dataset.key = d.name
    if (d.required) input.setAttribute('aria-required', 'true')
    const error = h('p', { class: 'field-error', id: `${id}-error` })
    const doc = d.documentation ? h('p', { class: 'doc', id: `${id}-doc` }, d.documentation) : null
    input.setAttribute('aria-describedby', [doc ? `${id}-doc` : null, `${id}-error`].filter(Boolean).join(' '))
    const wrap = h('div', { class: 'field', 'data-field': d.name },
      h('label', { for: id }, d.display_name || d.name, d.required ? h('span', { class: 'req', title: 'required' }, ' *') : null,
        h('span', { class: 'key' }, d.name, ' · ', d.type.toLowerCase(), d.importance ? ` · ${d.importance.toLowerCase()}` : '')),
      h('div', { class: 'control' }, input, doc, error))
    const f = { def: d, input, error, wrap, touched: false, errors: [], group: d.group }
    const changed = () => {
      f.touched = true
      scheduleValidate()
    }
    input.addEventListener('input', changed)
    input.addEventListener('change', changed)
    return f
  }

  function insertField (f) {
    const g = ensureGroup(f.def.group)
    // Keep the definition's order inside a group.
    const after = [...g.list.children].find((el) => {
      const other = fields.get(el.dataset.field)
      return other && (other.def.order > f.def.order && f.def.order >= 0)
    })
    g.list.insertBefore(f.wrap, after || null)
  }

  function updateRecommended (f, values) {
    if (f.def.type === 'BOOLEAN' || !values || !values.length) return
    const id = `${f.input.id}-list`
    let dl = document.getElementById(id) || f.wrap.querySelector('datalist')
    if (!dl) {
      dl = h('datalist', { id })
      f.wrap.append(dl)
      f.input.setAttribute('list', id)
    }
    replace(dl, values.map((v) => h('option', { value: v })))
  }

  function drawError (f) {
    const show = (f.touched || showAll) && f.errors.length
    f.error.textContent = show ? f.errors.join(' ') : ''
    if (show) f.input.setAttribute('aria-invalid', 'true')
    else f.input.removeAttribute('aria-invalid')
    if (show) f.wrap.closest('details').open = true
  }

  // --- form / JSON --------------------------------------------------------------------------
  function switchMode (m) {
    if (m === mode) return
    if (m === 'json') {
      jsonArea.value = pretty(collect())
      jsonArea.removeAttribute('aria-invalid')
      formEl.hidden = true
      jsonPanel.hidden = false
      mode = 'json'
    } else {
      if (!readJson()) {
        modeTabs.select('json')
        return
      }
      formEl.hidden = false
      jsonPanel.hidden = true
      mode = 'form'
      scheduleValidate()
    }
  }

  // Applies the JSON text to the form; false (with the error shown) when it does not parse.
  function readJson () {
    let cfg
    try {
      cfg = JSON.parse(jsonArea.value)
      if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) throw new Error('expected a JSON object')
    } catch (e) {
      jsonArea.setAttribute('aria-invalid', 'true')
      replace(submitMsg, errorBox(`The JSON is not valid: ${e.message}`))
      return false
    }
    replace(submitMsg)
    jsonArea.removeAttribute('aria-invalid')
    if (cfg['connector.class'] && cfg['connector.class'] !== cls && !editing) {
      cls = cfg['connector.class']
      fields.clear()
      groups.clear()
      replace(formEl)
      if (pluginPicker) pluginPicker.redraw()
    }
    const flat = {}
    for (const [k, v] of Object.entries(cfg)) flat[k] = v === null ? '' : String(v)
    applyConfig(flat)
    return true
  }

  // --- save ---------------------------------------------------------------------------------
  async function save () {
    replace(submitMsg)
    if (mode === 'json' && !readJson()) return
    const name = editing || nameInput.value.trim()
    if (!name) {
      nameError.textContent = 'A connector needs a name.'
      nameInput.setAttribute('aria-invalid', 'true')
      nameInput.focus()
      return
    }
    submit.disabled = true
    try {
      const r = await validateNow()
      if (!r) return
      showAll = true
      for (const f of fields.values()) drawError(f)
      update(r)
      // Editing: errors on secrets the UI cannot see (sent as [hidden]) do not block saving.
      const blocking = [...fields.values()].filter((f) => f.errors.length && !(editing && hidden.has(f.def.name) && f.input.value === ''))
      if (blocking.length) {
        replace(submitMsg, h('div', { class: 'message error', role: 'alert' }, `Fix ${blocking.length} field(s) first.`))
        if (mode === 'json') modeTabs.select('form')
        blocking[0].wrap.closest('details').open = true
        blocking[0].input.focus()
        return
      }
      const cfg = collect()
      if (editing) {
        const patch = {}
        for (const [k, v] of Object.entries(cfg)) {
          if (hidden.has(k) && v === HIDDEN) continue
          if (original[k] !== v) patch[k] = v
        }
        for (const k of Object.keys(original)) if (!(k in cfg) && !hidden.has(k)) patch[k] = null
        if (Object.keys(patch).length) await connect.patchConfig(editing, patch)
        toast(Object.keys(patch).length ? `Saved ${editing}` : 'Nothing changed')
        ctx.navigate(`/ui/connectors/${encodeURIComponent(editing)}`)
      } else {
        await connect.create(name, cfg)
        toast(`Created ${name}`)
        ctx.navigate(`/ui/connectors/${encodeURIComponent(name)}`)
      }
    } catch (e) {
      replace(submitMsg, errorBox(e))
      if (e.status === 409 && !editing) {
        nameError.textContent = e.message
        nameInput.setAttribute('aria-invalid', 'true')
      }
    } finally {
      submit.disabled = false
    }
  }

  const wanted = ctx.query.get('class')
  if (editing) {
    // The current config fills the form as the fields appear (secrets stay empty: unchanged).
    extras = { ...original }
    delete extras['connector.class']
    delete extras.name
    await validateNow()
  }
  else if (wanted && plugins.some((p) => p.class === wanted)) await choosePlugin(wanted)
  ctx.onLeave(() => clearTimeout(timer))
}
