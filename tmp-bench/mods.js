process.on('exit', () => {
  const ks = Object.keys(require.cache);
  const pk = new Map();
  for (const k of ks) { const m = k.match(/node_modules\/((@[^/]+\/)?[^/]+)/); const n = m ? m[1] : 'own:' + k.split('/').slice(-2, -1)[0]; pk.set(n, (pk.get(n) || 0) + 1); }
  require('fs').writeFileSync('/tmp/twinstart/mods.txt', ks.length + '\n' + [...pk].sort((a, b) => b[1] - a[1]).map(([k, v]) => k + ':' + v).join('\n'));
});
