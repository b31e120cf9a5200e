// How the browser tests find Chromium: the order of the four sources, the error with
// nothing found, and the packaged Chromium really running headless here.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { HEADLESS_ARGS, NO_BROWSER_HELP, inflatePackagedChromium, resolveChromium, type ResolveOptions } from './browser';

const PLAYWRIGHT = '/home/u/.cache/ms-playwright/chromium-1255/chrome-linux/chrome';
const PACKAGED = '/tmp/bfstream-chromium-147.0.0/chromium';

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
    expect(await resolveChromium(machine(all, true, { env: { CHROMIUM_PATH: '/opt/chrome' } }))).toEqual({ executablePath: '/opt/chrome', source: 'CHROMIUM_PATH' });
    expect(await resolveChromium(machine(all, true))).toEqual({ executablePath: PLAYWRIGHT, source: 'playwright' });
    expect(await resolveChromium(machine(['/usr/bin/chromium-browser', '/usr/bin/google-chrome'], true))).toEqual({ executablePath: '/usr/bin/chromium-browser', source: 'distribution' });
    expect(await resolveChromium(machine([], true))).toEqual({ executablePath: PACKAGED, source: '@sparticuz/chromium' });
  });

  it('refuses a CHROMIUM_PATH that does not exist instead of silently using another browser', async () => {
    await expect(resolveChromium(machine(['/usr/bin/chromium'], true, { env: { CHROMIUM_PATH: '/nope/chrome' } }))).rejects.toThrow(
      'CHROMIUM_PATH is "/nope/chrome", which does not exist',
    );
  });

  it('uses the packaged Chromium only on Linux x64, and says how to get a browser when there is none', async () => {
    const packaged = jest.fn(async () => PACKAGED);
    await expect(resolveChromium(machine([], true, { platform: 'darwin', packaged }))).rejects.toThrow(NO_BROWSER_HELP);
    await expect(resolveChromium(machine([], true, { arch: 'arm64', packaged }))).rejects.toThrow(NO_BROWSER_HELP);
    expect(packaged).not.toHaveBeenCalled();
    await expect(resolveChromium(machine([], false))).rejects.toThrow(NO_BROWSER_HELP);
    for (const fix of ['npm ci', 'npx playwright-core install chromium', 'apt-get install chromium', 'CHROMIUM_PATH=']) expect(NO_BROWSER_HELP).toContain(fix);
  });
});

describe('the Chromium inside @sparticuz/chromium', () => {
  const root = mkdtempSync(join(tmpdir(), 'packaged-chromium-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // Needs no system library: this is what runs on a machine with Node only.
  (process.platform === 'linux' && process.arch === 'x64' ? it : it.skip)(
    'inflates once (twice asked at once), and renders a page headless with playwright-core',
    async () => {
      const [a, b] = await Promise.all([inflatePackagedChromium(root), inflatePackagedChromium(root)]);
      expect(a).toBe(b);
      expect(existsSync(a!)).toBe(true);
      expect(await inflatePackagedChromium(root)).toBe(a);
      const browser = await chromium.launch({ executablePath: a, headless: true, args: HEADLESS_ARGS });
      try {
        const page = await browser.newPage();
        await page.setContent('<canvas id="c" width="40" height="40"></canvas><script>document.getElementById("c").getContext("2d").fillRect(0, 0, 40, 40)</script>');
        const filled = await page.evaluate(() => Array.from((document.getElementById('c') as HTMLCanvasElement).getContext('2d')!.getImageData(20, 20, 1, 1).data));
        expect(filled).toEqual([0, 0, 0, 255]);
        expect(browser.version()).toMatch(/^\d+\./);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
