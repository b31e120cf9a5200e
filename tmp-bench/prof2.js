const fs = require('fs');
const f = process.argv[2]; const filt = process.argv[3];
const p = JSON.parse(fs.readFileSync(f));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));
// inclusive time by "frame label" for frames matching filt
const incl = new Map();
for (const [id, t] of dt) {
  const seen = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const cf = byId.get(n).callFrame;
    const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*node_modules\//, '').replace(/.*twinstart\//, '')}:${cf.lineNumber}`;
    if (!k.includes(filt) || seen.has(k)) continue; seen.add(k);
    incl.set(k, (incl.get(k) || 0) + t);
  }
}
console.log([...incl].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${(v / 1e6).toFixed(2)} ${k}`).join('\n'));
