// Small DOM helpers: elements are built with h(), never from HTML strings, so names, configs
// and messages from the worker are always text.

export function h (tag, attrs, ...children) {
  const el = document.createElement(tag)
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue
      if (k === 'class') el.className = v
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v)
      else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v
      else el.setAttribute(k, v === true ? '' : String(v))
    }
  }
  append(el, children)
  return el
}

export function append (el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue
    el.append(c instanceof Node ? c : String(c))
  }
  return el
}

// SVG elements (charts).
export function svg (tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag)
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v))
  for (const c of children.flat()) if (c) el.append(c)
  return el
}

export function clear (el) {
  while (el.firstChild) el.firstChild.remove()
  return el
}

export function replace (el, ...children) {
  clear(el)
  return append(el, children)
}

export function badge (text, cls) {
  return h('span', { class: `badge ${cls || text}` }, text)
}

export function link (href, ...children) {
  return h('a', { href, 'data-nav': true }, ...children)
}

export function errorBox (err) {
  return h('div', { class: 'message error', role: 'alert' }, err && err.message ? err.message : String(err))
}

export function toast (text, kind) {
  const box = document.getElementById('toasts')
  const t = h('div', { class: `toast ${kind || ''}` }, text)
  box.append(t)
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 3500)
}

// A modal confirmation with the native <dialog> (focus stays inside, Esc cancels).
export function confirmDialog ({ title, body, confirm = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const ok = h('button', { class: danger ? 'danger solid' : 'primary', value: 'ok', 'data-testid': 'confirm-ok' }, confirm)
    const cancel = h('button', { value: 'cancel', autofocus: true }, 'Cancel')
    const dlg = h('dialog', { 'aria-labelledby': 'dlg-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'dlg-title' }, title),
        body ? h('p', null, body) : null,
        h('div', { class: 'actions' }, cancel, ok)))
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok')
      dlg.remove()
    })
    document.body.append(dlg)
    dlg.showModal()
  })
}

export function fmtNumber (n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–'
  return Number(n).toLocaleString('en-US')
}

export function fmtRate (r) {
  if (r === undefined || r === null || Number.isNaN(r)) return '–'
  if (r >= 100) return `${Math.round(r).toLocaleString('en-US')}/s`
  if (r >= 10) return `${r.toFixed(1)}/s`
  return `${r.toFixed(2)}/s`
}

export function fmtTime (ms) {
  if (ms === undefined || ms === null || ms < 0) return '–'
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC')
}

export function shortClass (cls) {
  if (!cls) return ''
  const parts = cls.split('.')
  return parts[parts.length - 1]
}

// Tabs with the ARIA tab pattern (arrow keys move between tabs).
export function tabs (items, onSelect, selected) {
  const bar = h('div', { class: 'tabs', role: 'tablist' })
  const buttons = items.map(({ id, label }) => h('button', {
    role: 'tab',
    id: `tab-${id}`,
    'aria-selected': String(id === selected),
    tabindex: id === selected ? '0' : '-1',
    onClick: () => select(id)
  }, label))
  function select (id, focus) {
    for (const b of buttons) {
      const on = b.id === `tab-${id}`
      b.setAttribute('aria-selected', String(on))
      b.tabIndex = on ? 0 : -1
      if (on && focus) b.focus()
    }
    onSelect(id)
  }
  bar.addEventListener('keydown', (e) => {
    const i = buttons.findIndex((b) => b === document.activeElement)
    if (i < 0) return
    let j = -1
    if (e.key === 'ArrowRight') j = (i + 1) % buttons.length
    if (e.key === 'ArrowLeft') j = (i - 1 + buttons.length) % buttons.length
    if (j >= 0) {
      e.preventDefault()
      select(items[j].id, true)
    }
  })
  append(bar, buttons)
  bar.select = select
  return bar
}

// Pretty JSON text.
export function pretty (v) {
  return JSON.stringify(v, null, 2)
}
