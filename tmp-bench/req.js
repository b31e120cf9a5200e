require('tsx/cjs/api').register();
const mods = process.argv.slice(2);
for (const m of mods) { const t = performance.now(); const c = process.cpuUsage(); require(m); const d = process.cpuUsage(c); console.log(m, (performance.now() - t).toFixed(0), 'ms', ((d.user + d.system) / 1000).toFixed(0), 'cpu ms'); }
