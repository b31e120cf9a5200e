import { inflateRawSync } from 'node:zlib';
import { zip } from './zip';

// Reads entries back through the central directory, as unzip does.
function unzip(archive: Buffer): Record<string, string> {
  const end = archive.length - 22;
  expect(archive.readUInt32LE(end)).toBe(0x06054b50);
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    expect(archive.readUInt32LE(at)).toBe(0x02014b50);
    const method = archive.readUInt16LE(at + 10);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + archive.readUInt16LE(local + 26);
    const body = archive.subarray(start, start + size);
    out[name] = (method === 8 ? inflateRawSync(body) : body).toString('utf8');
    at += 46 + nameLength;
  }
  return out;
}

describe('zip', () => {
  const files = { '__index.js': 'exports.handler = () => 1;\n'.repeat(50), 'node_modules/a/b.json': '{}' };
  const archive = zip(Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text) })));

  it('round-trips every entry, deflating what shrinks and storing what does not', () => {
    expect(unzip(archive)).toEqual(files);
    expect(archive.length).toBeLessThan(files['__index.js'].length);
  });

  it('is deterministic', () => {
    expect(zip(Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text) })))).toEqual(archive);
  });
});
