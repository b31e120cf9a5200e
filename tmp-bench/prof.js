const fs = require('fs');
const dir = process.argv[2];
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const p = JSON.parse(fs.readFileSync(`${dir}/${f}`));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));
  const cat = new Map();
  let busy = 0;
  for (const [id, t] of dt) {
    const n = byId.get(id);
    const u = n.callFrame.url;
    const name = n.callFrame.functionName;
    if (name === '(idle)' || name === '(program)' && false) continue;
    busy += t;
    let k = name.startsWith('(') ? name : u.includes('node_modules/') ? u.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : u.startsWith('node:') ? u.replace(/node:internal\/([^/]+).*/, 'node:$1') : u.replace(/.*twinstart\//, '').replace(/.*\/archives\/.*/, 'archive') || '(anon)';
    cat.set(k, (cat.get(k) || 0) + t);
  }
  const top = [...cat].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${(v / 1e6).toFixed(2)}`);
  console.log(f.slice(0, 40), 'busy', (busy / 1e6).toFixed(2), 's:', top.join(', '));
}
