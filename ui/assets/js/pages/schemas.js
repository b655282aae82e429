// Schemas (when the worker's converters name a schema registry): subjects, their versions, a
// version's schema and the difference between two versions. Every call goes through the worker
// (/ferry/v1/registry/...), which speaks Confluent's REST API to the registry.
import { h, replace, link, errorBox, badge } from '../dom.js'
import { ferry, enc } from '../api.js'
import { diffLines } from '../diff.js'

async function registryOrNote (root) {
  const info = await ferry.info()
  if (info.schema_registry) return true
  root.append(
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Schemas'))),
    h('div', { class: 'message info', 'data-testid': 'no-registry' },
      'No schema registry is configured on this worker. Set value.converter.schema.registry.url (or key.converter.schema.registry.url) in the worker configuration, as for Avro converters, and restart the worker.'))
  return false
}

export async function subjectList (root, _params, ctx) {
  if (!await registryOrNote(root)) return
  const search = h('input', { type: 'search', class: 'search', placeholder: 'Filter subjects', 'aria-label': 'Filter subjects', value: ctx.query.get('q') || '' })
  const list = h('div')
  const compat = h('span', { class: 'muted' })
  root.append(
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Schemas'), h('p', { class: 'sub' }, 'Subjects of the schema registry. ', compat))),
    h('div', { class: 'toolbar' }, search, h('span', { class: 'spacer' }), h('button', { onClick: () => load() }, 'Refresh')),
    list)
  let subjects = []
  async function load () {
    try {
      subjects = (await ferry.registry('subjects')).sort()
      draw()
    } catch (e) {
      replace(list, errorBox(e))
    }
    ferry.registry('config').then((c) => { compat.textContent = `Global compatibility: ${c.compatibilityLevel || c.compatibility || '?'}.` }).catch(() => {})
  }
  function draw () {
    const needle = search.value.trim().toLowerCase()
    const rows = subjects.filter((s) => !needle || s.toLowerCase().includes(needle))
    if (!subjects.length) return replace(list, h('div', { class: 'panel empty' }, 'The registry has no subjects yet.'))
    replace(list, h('table', { 'data-testid': 'subject-table' },
      h('thead', null, h('tr', null, h('th', null, 'Subject'))),
      h('tbody', null, rows.map((s) => h('tr', null, h('td', { class: 'wrap' }, link(`/ui/schemas/${enc(s)}`, s)))))))
  }
  search.addEventListener('input', () => {
    history.replaceState(null, '', `/ui/schemas${search.value ? '?q=' + enc(search.value) : ''}`)
    draw()
  })
  await load()
}

function prettySchema (v) {
  if (!v) return ''
  if (!v.schemaType || v.schemaType === 'AVRO' || v.schemaType === 'JSON') {
    try { return JSON.stringify(JSON.parse(v.schema), null, 2) } catch { /* shown as it is */ }
  }
  return v.schema
}

export async function subjectPage (root, [subject], ctx) {
  if (!await registryOrNote(root)) return
  const versions = await ferry.registry(`subjects/${enc(subject)}/versions`)
  const latest = versions[versions.length - 1]
  let selected = Number(ctx.query.get('version')) || latest
  if (!versions.includes(selected)) selected = latest
  const cache = new Map()
  const version = async (v) => {
    if (!cache.has(v)) cache.set(v, await ferry.registry(`subjects/${enc(subject)}/versions/${v}`))
    return cache.get(v)
  }

  const versionList = h('ul', { class: 'version-list', 'aria-label': 'Versions' })
  const view = h('div')
  const compareWith = h('select', { 'aria-label': 'Compare with version', id: 'compare-with' })
  const diffEl = h('div', { 'data-testid': 'schema-diff' })

  function drawVersions () {
    replace(versionList, versions.slice().reverse().map((v) => h('li', null,
      h('a', {
        href: `/ui/schemas/${enc(subject)}?version=${v}`,
        'aria-current': String(v === selected),
        onClick: (e) => { e.preventDefault(); show(v) }
      }, `Version ${v}`, v === latest ? ' (latest)' : ''))))
    replace(compareWith, h('option', { value: '' }, 'nothing'), versions.filter((v) => v !== selected).map((v) => h('option', { value: String(v) }, `version ${v}`)))
    const def = versions.filter((v) => v < selected).pop()
    compareWith.value = def ? String(def) : ''
  }

  async function show (v) {
    selected = v
    history.replaceState(null, '', `/ui/schemas/${enc(subject)}?version=${v}`)
    drawVersions()
    try {
      const s = await version(v)
      replace(view,
        h('p', null, badge(s.schemaType || 'AVRO', 'info'), ' ', `id ${s.id} · version ${s.version}`),
        h('pre', { 'data-testid': 'schema-text' }, prettySchema(s)))
      await drawDiff()
    } catch (e) {
      replace(view, errorBox(e))
    }
  }

  async function drawDiff () {
    if (!compareWith.value) return replace(diffEl, versions.length > 1 ? h('p', { class: 'muted' }, 'Pick a version to compare with.') : h('p', { class: 'muted' }, 'This subject has one version.'))
    const other = Number(compareWith.value)
    const [a, b] = await Promise.all([version(Math.min(other, selected)), version(Math.max(other, selected))])
    const lines = diffLines(prettySchema(a), prettySchema(b))
    const changes = lines.filter((l) => l.op !== 'same').length
    replace(diffEl,
      h('p', { class: 'muted' }, `Version ${a.version} → version ${b.version}: ${changes} changed line(s).`),
      h('div', { class: 'diff', role: 'region', 'aria-label': `Differences between version ${a.version} and ${b.version}` },
        lines.map((l) => h('div', { class: l.op }, l.line))))
  }
  compareWith.addEventListener('change', () => drawDiff().catch((e) => replace(diffEl, errorBox(e))))

  root.append(
    h('div', { class: 'crumbs' }, link('/ui/schemas', 'Schemas'), ' / '),
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, subject), h('p', { class: 'sub' }, `${versions.length} version(s)`))),
    h('div', { class: 'split' },
      h('div', { class: 'panel' }, versionList),
      h('div', null, view,
        h('h2', null, 'Compare'),
        h('div', { class: 'toolbar' }, h('label', { for: 'compare-with' }, 'Compare the selected version with'), compareWith),
        diffEl)))
  await show(selected)
}
