// The dashboard screenshots in docs/ were taken from the page as it is: the hashes recorded beside
// them (by `npm run docs:screenshots`) match the panel definitions, the page code and ECharts now.
// The pixels are not compared (fonts differ between machines); what drew them is.
import { readFileSync } from 'node:fs';
import {
  TWIN_DOC,
  renderRunBlock,
  runBlockOf,
  SHOT_RECORD,
  SHOT_SETTINGS,
  SHOT_WIDTHS,
  currentShotInputs,
  shotPath,
  type ShotRecord,
} from './support/dashboardShots';

const record = JSON.parse(readFileSync(SHOT_RECORD, 'utf8')) as ShotRecord;

it('records the screenshots of the current page code and panel definitions', () => {
  expect({ settings: record.settings, widths: record.widths }).toEqual({
    settings: SHOT_SETTINGS,
    widths: SHOT_WIDTHS,
  });
  // A changed input names itself: regenerate with `npm run docs:screenshots`.
  expect(record.inputs).toEqual(currentShotInputs());
});

it('has one PNG per width, as wide as the page it shows', () => {
  for (const width of SHOT_WIDTHS) {
    const png = readFileSync(shotPath(width));
    // PNG signature, then the IHDR chunk: width and height as big-endian 32-bit integers.
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect({ width, pngWidth: png.readUInt32BE(16) }).toEqual({ width, pngWidth: width });
    expect(png.readUInt32BE(20)).toBeGreaterThan(900);
  }
});

it("docs/TWIN.md quotes the recorded run's figures, with its command, settings and machine", () => {
  expect(runBlockOf(readFileSync(TWIN_DOC, 'utf8'))).toBe(renderRunBlock(record));
  expect(renderRunBlock(record)).toContain(record.command);
  expect(renderRunBlock(record)).toContain(record.machine);
});
