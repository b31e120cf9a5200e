// Preloaded with --require (NODE_OPTIONS), in the main thread and every worker thread: the disk
// under DISK_FULL_DIR "fills up" once DISK_FULL_AFTER_BYTES more bytes were written there. Writes
// then fail with ENOSPC as the kernel's would, so the twin meets a full disk where it really
// writes (PGlite's data files, the marker and the lock) without a small file system to fill.
/* eslint-disable @typescript-eslint/no-require-imports -- a preload for --require (NODE_OPTIONS, every thread) is CommonJS */
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const { resolve, sep } = require('node:path');
/* eslint-enable @typescript-eslint/no-require-imports */
const writeFileSync = fs.writeFileSync;

const dir = resolve(process.env.DISK_FULL_DIR);
// One disk for every thread: the bytes written so far are kept in a file beside the directory.
const spentFile = `${dir}.disk-full-spent`;
const budget = Number(process.env.DISK_FULL_AFTER_BYTES ?? 0);
const readSpent = () => {
  try {
    return Number(fs.readFileSync(spentFile, 'utf8')) || 0;
  } catch {
    return 0;
  }
};
const under = (p) => typeof p === 'string' && (resolve(p) === dir || resolve(p).startsWith(dir + sep));
const fds = new Set();

function noSpace(syscall, path) {
  const error = new Error(`ENOSPC: no space left on device, ${syscall}${path ? ` '${path}'` : ''}`);
  Object.assign(error, { errno: -28, code: 'ENOSPC', syscall, path });
  return error;
}
function spend(bytes, syscall, path) {
  const spent = readSpent();
  if (spent + bytes > budget) throw noSpace(syscall, path);
  writeFileSync(spentFile, String(spent + bytes));
}

const openSync = fs.openSync;
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest);
  if (under(path)) fds.add(fd);
  return fd;
};
const closeSync = fs.closeSync;
fs.closeSync = function (fd) {
  fds.delete(fd);
  return closeSync.call(this, fd);
};
const writeSync = fs.writeSync;
fs.writeSync = function (fd, buffer, ...rest) {
  if (fds.has(fd))
    spend(typeof buffer === 'string' ? Buffer.byteLength(buffer) : (rest[1] ?? buffer.byteLength), 'write');
  return writeSync.call(this, fd, buffer, ...rest);
};
// Node writes a string through its own C++ fast path; other data goes through fs.openSync and
// fs.writeSync above, which count it already (counted here too, a 40 MB unpack spent 80 MB of room).
fs.writeFileSync = function (path, data, ...rest) {
  if (under(path) && typeof data === 'string') spend(Buffer.byteLength(data), 'open', path);
  return writeFileSync.call(this, path, data, ...rest);
};

// The free space the kernel would report: what is left of the room, so a check of statfs agrees with the writes.
const statfsSync = fs.statfsSync;
fs.statfsSync = function (path, ...rest) {
  const stats = statfsSync.call(this, path, ...rest);
  if (!under(path) && !dir.startsWith(resolve(path) + sep)) return stats;
  return Object.assign(Object.create(Object.getPrototypeOf(stats)), stats, {
    bavail: Math.floor(Math.max(0, budget - readSpent()) / stats.bsize),
    bfree: Math.floor(Math.max(0, budget - readSpent()) / stats.bsize),
  });
};
