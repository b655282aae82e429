// Calls to the worker's REST API (Kafka Connect's, and Ferry's /ferry/v1/ resources). Every call
// goes to the origin the page came from: the UI loads nothing from anywhere else.

export class ApiError extends Error {
  constructor (status, message, body) {
    super(message)
    this.status = status
    this.body = body
  }
}

export async function api (method, path, body) {
  const opts = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' }
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json'
    opts.body = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch(path, opts)
  } catch (e) {
    throw new ApiError(0, `The worker did not answer (${e.message})`)
  }
  const text = await res.text()
  let data = null
  if (text) {
    try { data = JSON.parse(text) } catch { data = text }
  }
  if (!res.ok) {
    const msg = data && typeof data === 'object' && data.message ? data.message : `HTTP ${res.status} ${res.statusText}`
    throw new ApiError(res.status, msg, data)
  }
  return data
}

export const get = (path) => api('GET', path)
export const enc = encodeURIComponent

export const connect = {
  root: () => get('/'),
  connectors: () => get('/connectors?expand=status'),
  configs: () => get('/ferry/v1/connectors'), // every connector's config, secrets hidden
  status: (c) => get(`/connectors/${enc(c)}/status`),
  config: (c) => get(`/ferry/v1/connectors/${enc(c)}/config`), // secrets hidden
  topics: (c) => get(`/connectors/${enc(c)}/topics`),
  offsets: (c) => get(`/connectors/${enc(c)}/offsets`),
  alterOffsets: (c, body) => api('PATCH', `/connectors/${enc(c)}/offsets`, body),
  resetOffsets: (c) => api('DELETE', `/connectors/${enc(c)}/offsets`),
  create: (name, config) => api('POST', '/connectors', { name, config }),
  patchConfig: (c, patch) => api('PATCH', `/connectors/${enc(c)}/config`, patch),
  pause: (c) => api('PUT', `/connectors/${enc(c)}/pause`),
  resume: (c) => api('PUT', `/connectors/${enc(c)}/resume`),
  stop: (c) => api('PUT', `/connectors/${enc(c)}/stop`),
  restart: (c) => api('POST', `/connectors/${enc(c)}/restart`),
  restartFailed: (c) => api('POST', `/connectors/${enc(c)}/restart?includeTasks=true&onlyFailed=true`),
  restartTask: (c, t) => api('POST', `/connectors/${enc(c)}/tasks/${t}/restart`),
  remove: (c) => api('DELETE', `/connectors/${enc(c)}`),
  plugins: () => get('/connector-plugins'),
  validate: (cls, config) => api('PUT', `/connector-plugins/${enc(shortName(cls))}/config/validate`, config)
}

export const ferry = {
  info: () => get('/ferry/v1/info'),
  workers: () => get('/ferry/v1/workers'),
  topics: (offsets = true) => get(`/ferry/v1/topics${offsets ? '' : '?offsets=false'}`),
  topic: (t) => get(`/ferry/v1/topics/${enc(t)}`),
  peek: (t, params) => get(`/ferry/v1/topics/${enc(t)}/messages?${new URLSearchParams(params)}`),
  registry: (path) => get(`/ferry/v1/registry/${path}`)
}

// The validate path takes the plugin's simple name ("FileStreamSource" for
// org.apache.kafka.connect.file.FileStreamSourceConnector); the body's class must end with it.
function shortName (cls) {
  const simple = cls.split('.').pop()
  return simple
}
