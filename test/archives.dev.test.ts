// The dev stack's archives, as shipped, end to end (test/support/archiveSuite.ts).
import { describeArchives } from './support/archiveSuite';

describeArchives('dev', '2026-11-27T10:00:00Z');
