const M = require('module');
const orig = M._load;
const seen = new Set();
M._load = function (req, parent, isMain) {
  const r = orig.apply(this, arguments);
  const key = req.match(/^(@[^/]+\/[^/]+|[^./][^/]*)/)?.[1];
  if (key && /pulumi|faker|grpc|fastify|ajv|zod|execa|semver/.test(key) && !seen.has(key) && parent && !parent.filename.includes('node_modules')) { seen.add(key); console.error('LOAD', key, 'from', parent.filename); }
  return r;
};
