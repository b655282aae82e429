// Line diff (longest common subsequence) for comparing schema versions.

// Returns [{op: 'same'|'add'|'del', line}] turning `a` into `b`.
export function diffLines (a, b) {
  const x = a.split('\n')
  const y = b.split('\n')
  const n = x.length
  const m = y.length
  if (n * m > 4e6) { // too large for the table: everything old out, everything new in
    return [...x.map((line) => ({ op: 'del', line })), ...y.map((line) => ({ op: 'add', line }))]
  }
  // lcs[i][j] = LCS length of x[i..] and y[j..]
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1])
    }
  }
  const out = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push({ op: 'same', line: x[i] }); i++; j++ } else if (lcs[i + 1][j] >= lcs[i][j + 1]) { out.push({ op: 'del', line: x[i++] }) } else { out.push({ op: 'add', line: y[j++] }) }
  }
  while (i < n) out.push({ op: 'del', line: x[i++] })
  while (j < m) out.push({ op: 'add', line: y[j++] })
  return out
}
