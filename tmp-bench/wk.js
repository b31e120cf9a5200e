const { Worker } = require('node:worker_threads');
const mode = process.argv[2];
const src = `
const { parentPort, workerData } = require('node:worker_threads');
const t0 = performance.now();
${mode === 'js' ? '' : "require(workerData.tsxApi).register();"}
const t1 = performance.now();
require(workerData.module);
parentPort.postMessage([t1 - t0, performance.now() - t1, process.cpuUsage()]);
`;
const execArgv = mode === 'noimport' || mode === 'js' ? [] : undefined;
const t = performance.now();
const w = new Worker(src, { eval: true, execArgv, workerData: { tsxApi: require.resolve('tsx/cjs/api'), module: process.argv[3] } });
w.on('message', (m) => { console.log(mode, 'register', m[0].toFixed(0), 'require', m[1].toFixed(0), 'total', (performance.now() - t).toFixed(0), 'cpu', JSON.stringify(process.cpuUsage())); w.terminate(); });
