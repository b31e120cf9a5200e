// How the browser tests find Chromium: the order of the four sources, the error with
// nothing found, and the packaged Chromium really running headless here.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import {
  HEADLESS_ARGS,
  NO_BROWSER_HELP,
  inflatePackagedChromium,
  packagedEnvironment,
  resolveChromium,
  type ResolveOptions,
} from './browser';

const PLAYWRIGHT = '/home/u/.cache/ms-playwright/chromium-1255/chrome-linux/chrome';
const PACKAGED = '/tmp/bfstream-chromium-147.0.0-r2/chromium';

/** A machine with the given files; the packaged Chromium counts only when `packaged` is true. */
function machine(files: string[], packaged: boolean, extra: ResolveOptions = {}): ResolveOptions {
  return {
    env: {},
    platform: 'linux',
    arch: 'x64',
    exists: (p) => files.includes(p),
    playwrightPath: () => PLAYWRIGHT,
    packaged: async () => (packaged ? PACKAGED : undefined),
    ...extra,
  };
}

describe('resolveChromium', () => {
  it('takes CHROMIUM_PATH first, then Playwright, then the distribution, then the package', async () => {
    const all = [PLAYWRIGHT, '/usr/bin/chromium', '/opt/chrome'];
    expect(await resolveChromium(machine(all, true, { env: { CHROMIUM_PATH: '/opt/chrome' } }))).toEqual({
      executablePath: '/opt/chrome',
      source: 'CHROMIUM_PATH',
    });
    expect(await resolveChromium(machine(all, true))).toEqual({ executablePath: PLAYWRIGHT, source: 'playwright' });
    expect(await resolveChromium(machine(['/usr/bin/chromium-browser', '/usr/bin/google-chrome'], true))).toEqual({
      executablePath: '/usr/bin/chromium-browser',
      source: 'distribution',
    });
    // With its own libraries after the system's, and its own fonts on a machine without fontconfig.
    expect(await resolveChromium(machine([], true))).toEqual({
      executablePath: PACKAGED,
      source: '@sparticuz/chromium',
      env: {
        LD_LIBRARY_PATH: '/tmp/bfstream-chromium-147.0.0-r2/al2023/lib',
        FONTCONFIG_FILE: '/tmp/bfstream-chromium-147.0.0-r2/fonts.conf',
      },
    });
    expect(
      (await resolveChromium(machine(['/etc/fonts/fonts.conf'], true, { env: { LD_LIBRARY_PATH: '/opt/lib' } }))).env,
    ).toEqual({ LD_LIBRARY_PATH: '/opt/lib:/tmp/bfstream-chromium-147.0.0-r2/al2023/lib' });
  });

  it('refuses a CHROMIUM_PATH that does not exist instead of silently using another browser', async () => {
    await expect(
      resolveChromium(machine(['/usr/bin/chromium'], true, { env: { CHROMIUM_PATH: '/nope/chrome' } })),
    ).rejects.toThrow('CHROMIUM_PATH is "/nope/chrome", which does not exist');
  });

  it('uses the packaged Chromium only on Linux x64, and says how to get a browser when there is none', async () => {
    const packaged = jest.fn(async () => PACKAGED);
    await expect(resolveChromium(machine([], true, { platform: 'darwin', packaged }))).rejects.toThrow(NO_BROWSER_HELP);
    await expect(resolveChromium(machine([], true, { arch: 'arm64', packaged }))).rejects.toThrow(NO_BROWSER_HELP);
    expect(packaged).not.toHaveBeenCalled();
    await expect(resolveChromium(machine([], false))).rejects.toThrow(NO_BROWSER_HELP);
    for (const fix of ['npm ci', 'npx playwright-core install chromium', 'apt-get install chromium', 'CHROMIUM_PATH='])
      expect(NO_BROWSER_HELP).toContain(fix);
  });
});

describe('the Chromium inside @sparticuz/chromium', () => {
  const root = mkdtempSync(join(tmpdir(), 'packaged-chromium-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // What runs on a machine with Node only: the binary needs nothing from the system beyond glibc
  // and libgcc (which Node itself needs); NSS, NSPR and expat come with the package.
  const SYSTEM_BASE = /^(linux-vdso|libc|libm|libdl|libpthread|librt|libgcc_s|(\/lib64\/)?ld-linux-x86-64)\.so/;
  (process.platform === 'linux' && process.arch === 'x64' ? it : it.skip)(
    'inflates once (twice asked at once), needs only glibc from the system, and renders text headless with playwright-core',
    async () => {
      const [a, b] = await Promise.all([inflatePackagedChromium(root), inflatePackagedChromium(root)]);
      expect(a).toBe(b);
      expect(existsSync(a!)).toBe(true);
      expect(await inflatePackagedChromium(root)).toBe(a);
      const dir = dirname(a!);
      const libraries = join(dir, 'al2023', 'lib');
      // Its own libraries first, as on a machine without them: every other library resolves there.
      const linked = execFileSync('ldd', [a!], { env: { LD_LIBRARY_PATH: libraries }, encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[0]);
      expect(linked.filter((f) => f.includes('not'))).toEqual([]);
      expect(
        linked.filter((f) => !SYSTEM_BASE.test(f[0]) && !(f[2] ?? '').startsWith(libraries)).map((f) => f.join(' ')),
      ).toEqual([]);
      // Run that way, with the packaged fonts as on a machine without fontconfig.
      const env = { ...process.env, ...packagedEnvironment(dir, {}, () => false), LD_LIBRARY_PATH: libraries };
      const browser = await chromium.launch({ executablePath: a, headless: true, args: HEADLESS_ARGS, env });
      try {
        const page = await browser.newPage();
        await page.setContent(
          '<canvas id="c" width="200" height="40"></canvas><script>const x = document.getElementById("c").getContext("2d"); x.font = "24px sans-serif"; x.fillText("Black Friday", 4, 30)</script>',
        );
        const inked = await page.evaluate(
          () =>
            Array.from(
              (document.getElementById('c') as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 200, 40).data,
            ).filter((v, i) => i % 4 === 3 && v > 0).length,
        );
        expect(inked).toBeGreaterThan(100);
        expect(browser.version()).toMatch(/^\d+\./);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
