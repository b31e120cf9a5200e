// One Chromium for every browser test, found without root or apt, in this order:
//   1. CHROMIUM_PATH (must exist when set: a wrong path is an error, not a fallback);
//   2. the browser `npx playwright-core install chromium` puts in Playwright's cache;
//   3. the distribution's (Debian's /usr/bin/chromium, Ubuntu's chromium-browser, Google Chrome);
//   4. on Linux x64, the Chromium inside the @sparticuz/chromium dev dependency: a brotli-compressed
//      build made for Lambda, shipped with the few libraries it needs beyond glibc (NSS, NSPR, expat)
//      and fonts; inflated once per version into the temp directory (about 210 MB, 5 s).
// With none of them, the error says exactly how to get one.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

const execFileAsync = promisify(execFile);

export type BrowserSource = 'CHROMIUM_PATH' | 'playwright' | 'distribution' | '@sparticuz/chromium';

export interface ResolvedBrowser {
  executablePath: string;
  source: BrowserSource;
  /** Extra environment the browser needs (the packaged one: its own libraries and fonts). */
  env?: Record<string, string>;
}

/** Where distributions and Google put their Chromium or Chrome. */
export const DISTRIBUTION_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export const NO_BROWSER_HELP = [
  'No Chromium found for the browser tests. Any one of these fixes it:',
  '  - npm ci                                   (installs @sparticuz/chromium, used on Linux x64)',
  "  - npx playwright-core install chromium     (downloads Playwright's build into ~/.cache/ms-playwright)",
  "  - apt-get install chromium                 (Debian/Ubuntu; or your distribution's package)",
  '  - CHROMIUM_PATH=/path/to/chrome npm test   (any Chromium or Chrome you already have)',
].join('\n');

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  arch?: string;
  exists?: (path: string) => boolean;
  /** Playwright's own install location for its Chromium (whether or not it is installed). */
  playwrightPath?: () => string | undefined;
  /** Inflates the packaged Chromium and returns its path, or undefined without the package. */
  packaged?: () => Promise<string | undefined>;
  distributionPaths?: readonly string[];
}

/** The first Chromium of the four sources, or an error listing how to get one. */
export async function resolveChromium(options: ResolveOptions = {}): Promise<ResolvedBrowser> {
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!exists(fromEnv))
      throw new Error(
        `CHROMIUM_PATH is ${JSON.stringify(fromEnv)}, which does not exist. Unset it to let the tests find a browser, or point it at a Chromium or Chrome binary.`,
      );
    return { executablePath: fromEnv, source: 'CHROMIUM_PATH' };
  }
  const playwright = (options.playwrightPath ?? playwrightChromiumPath)();
  if (playwright && exists(playwright)) return { executablePath: playwright, source: 'playwright' };
  const distribution = (options.distributionPaths ?? DISTRIBUTION_PATHS).find((p) => exists(p));
  if (distribution) return { executablePath: distribution, source: 'distribution' };
  // The package ships a Linux x64 build only.
  if ((options.platform ?? process.platform) === 'linux' && (options.arch ?? process.arch) === 'x64') {
    const packaged = await (options.packaged ?? inflatePackagedChromium)();
    if (packaged)
      return {
        executablePath: packaged,
        source: '@sparticuz/chromium',
        env: packagedEnvironment(dirname(packaged), env, exists),
      };
  }
  throw new Error(NO_BROWSER_HELP);
}

function playwrightChromiumPath(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}

/**
 * Inflates @sparticuz/chromium into `<tmp>/bfstream-chromium-<version>-r2` once. The package inflates
 * into os.tmpdir() (and trusts whatever it finds there), so it runs with TMPDIR pointed at a private
 * staging directory that is then renamed into place: concurrent test processes never see a
 * half-written binary, and nobody else's /tmp/chromium is used.
 */
export function inflatePackagedChromium(root = tmpdir()): Promise<string | undefined> {
  // One inflation per root in this process (TMPDIR is process-wide); other processes race on the rename.
  let pending = inflating.get(root);
  if (!pending) {
    pending = inflateOnce(root);
    inflating.set(root, pending);
    pending.catch(() => inflating.delete(root));
  }
  return pending;
}

const inflating = new Map<string, Promise<string | undefined>>();

async function inflateOnce(root: string): Promise<string | undefined> {
  let version: string;
  try {
    // The package exports no ./package.json: read it beside its entry point.
    const entry = require.resolve('@sparticuz/chromium');
    version = (
      JSON.parse(readFileSync(join(dirname(entry), '..', '..', 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return undefined;
  }
  // The suffix names this layout (binary, libraries, fonts.conf): a new layout gets a new directory.
  const target = join(root, `bfstream-chromium-${version}-r2`);
  const binary = join(target, 'chromium');
  if (existsSync(binary)) return binary;
  const stage = mkdtempSync(join(root, `.bfstream-chromium-${version}-`));
  // A child process, because os.tmpdir() reads the real environment (jest sandboxes process.env).
  // AWS_LAMBDA_JS_RUNTIME makes the package also inflate its Amazon Linux 2023 libraries (NSS,
  // NSPR, expat): with them the binary needs nothing from the system but glibc and libgcc.
  try {
    await execFileAsync(
      process.execPath,
      [
        '-e',
        "const m = require('@sparticuz/chromium'); (m.default ?? m).executablePath().then((p) => process.stdout.write(p))",
      ],
      {
        env: { ...process.env, TMPDIR: stage, AWS_LAMBDA_JS_RUNTIME: 'nodejs22.x' },
        cwd: __dirname,
      },
    );
    // The package's fonts.conf names /tmp/fonts; this one names where the fonts are.
    writeFileSync(
      join(stage, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${join(target, 'fonts', 'fonts')}</dir><cachedir>${join(target, 'fonts-cache')}</cachedir></fontconfig>\n`,
    );
  } catch (error) {
    rmSync(stage, { recursive: true, force: true });
    throw error;
  }
  try {
    renameSync(stage, target);
  } catch (error) {
    // Another process won the race: use its copy.
    rmSync(stage, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  return binary;
}

/**
 * The packaged Chromium's environment: its libraries after the system's (a distribution's newer NSS
 * wins when present), and its own fonts when the machine has no fontconfig setup.
 */
export function packagedEnvironment(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): Record<string, string> {
  const libraries = join(dir, 'al2023', 'lib');
  const out: Record<string, string> = { LD_LIBRARY_PATH: [env.LD_LIBRARY_PATH, libraries].filter(Boolean).join(':') };
  if (!exists('/etc/fonts/fonts.conf')) out.FONTCONFIG_FILE = join(dir, 'fonts.conf');
  return out;
}

/** Flags for a headless run on a shared CI box (no sandbox: containers often run as root). */
export const HEADLESS_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launch the resolved Chromium headless. */
export async function launchChromium(
  options: LaunchOptions = {},
): Promise<{ browser: Browser; resolved: ResolvedBrowser }> {
  const resolved = await resolveChromium();
  const env = resolved.env ? { ...process.env, ...resolved.env } : options.env;
  const browser = await chromium.launch({
    headless: true,
    ...options,
    env,
    executablePath: resolved.executablePath,
    args: [...HEADLESS_ARGS, ...(options.args ?? [])],
  });
  return { browser, resolved };
}
