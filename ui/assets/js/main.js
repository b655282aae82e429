// The app shell: a small router over the History API (every /ui/... URL is served index.html by
// the worker), the navigation, keyboard shortcuts and the worker label.
import { h, replace, errorBox } from './dom.js'
import { connect, ferry } from './api.js'
import { startSampling } from './metrics.js'
import overview from './pages/overview.js'
import connectors from './pages/connectors.js'
import connector from './pages/connector.js'
import editor from './pages/editor.js'
import { topicList, topicPage } from './pages/topics.js'
import { subjectList, subjectPage } from './pages/schemas.js'
import throughput from './pages/throughput.js'

const routes = [
  [/^\/?$/, overview, 'overview'],
  [/^\/connectors\/?$/, connectors, 'connectors'],
  [/^\/connectors\/new\/?$/, editor, 'connectors'],
  [/^\/connectors\/([^/]+)\/edit\/?$/, editor, 'connectors'],
  [/^\/connectors\/([^/]+)\/?$/, connector, 'connectors'],
  [/^\/topics\/?$/, topicList, 'topics'],
  [/^\/topics\/([^/]+)\/?$/, topicPage, 'topics'],
  [/^\/schemas\/?$/, subjectList, 'schemas'],
  [/^\/schemas\/([^/]+)\/?$/, subjectPage, 'schemas'],
  [/^\/throughput\/?$/, throughput, 'throughput']
]

let current = null // { cleanups: [], active: bool }

export function navigate (url, { replace: rep = false } = {}) {
  if (rep) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  render()
}

function route (pathname) {
  const rest = pathname.replace(/^\/ui/, '')
  for (const [re, page, section] of routes) {
    const m = re.exec(rest)
    if (m) return { page, section, params: m.slice(1).map(decodeURIComponent) }
  }
  return null
}

async function render () {
  if (current) {
    current.active = false
    for (const fn of current.cleanups) fn()
  }
  const ctx = {
    cleanups: [],
    active: true,
    query: new URLSearchParams(location.search),
    every (ms, fn) {
      const id = setInterval(() => { if (ctx.active) fn() }, ms)
      ctx.cleanups.push(() => clearInterval(id))
    },
    onLeave (fn) { ctx.cleanups.push(fn) },
    navigate
  }
  current = ctx
  const main = document.getElementById('main')
  const r = route(location.pathname)
  for (const a of document.querySelectorAll('.sidebar a')) {
    if (r && a.dataset.section === r.section) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  if (!r) {
    replace(main, h('h1', null, 'Not found'), h('p', null, 'No page here. ', h('a', { href: '/ui/', 'data-nav': true }, 'Go to the overview.')))
    return
  }
  replace(main, h('p', { class: 'muted' }, 'Loading…'))
  try {
    const root = h('div')
    await r.page(root, r.params, ctx)
    if (!ctx.active) return
    replace(main, root)
    const heading = main.querySelector('h1')
    document.title = heading ? `${heading.textContent} · Ferry` : 'Ferry'
  } catch (e) {
    if (!ctx.active) return
    replace(main, h('h1', null, 'Something went wrong'), errorBox(e))
    console.error(e)
  }
}

// Links inside the app navigate without reloading.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-nav]')
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  const url = new URL(a.href, location.href)
  if (url.origin !== location.origin || !url.pathname.startsWith('/ui')) return
  e.preventDefault()
  navigate(url.pathname + url.search)
  document.getElementById('main').focus({ preventScroll: true })
  window.scrollTo(0, 0)
})
window.addEventListener('popstate', render)

// Keyboard: "/" focuses the page's search box; "g" then a letter goes to a page.
let pendingG = false
document.addEventListener('keydown', (e) => {
  const t = e.target
  if (t.closest && t.closest('input, textarea, select, [contenteditable], dialog')) return
  if (e.ctrlKey || e.metaKey || e.altKey) return
  if (e.key === '/') {
    const search = document.querySelector('main input[type="search"]')
    if (search) {
      e.preventDefault()
      search.focus()
    }
    return
  }
  if (pendingG) {
    pendingG = false
    const dest = { o: '/ui/', c: '/ui/connectors', t: '/ui/topics', s: '/ui/schemas', p: '/ui/throughput', n: '/ui/connectors/new' }[e.key]
    if (dest) navigate(dest)
    return
  }
  if (e.key === 'g') {
    pendingG = true
    setTimeout(() => { pendingG = false }, 1500)
  }
})

async function workerLabel () {
  try {
    const [root, info] = await Promise.all([connect.root(), ferry.info()])
    document.getElementById('worker-label').textContent = `${info.worker_id} · ${info.mode} · Kafka Connect ${root.version}`
  } catch {
    // The overview shows the error.
  }
}

workerLabel()
startSampling()
render()
