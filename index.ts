// The Pulumi program: read and validate the stack config (a bad config fails here,
// before any resource is declared, listing every problem), build the pipeline, export outputs.
import { loadStackConfig } from './infra/config';
import { definePipeline, deployClock } from './infra/pipeline';

const { config, region } = loadStackConfig();
// The one place the program reads the clock: the calendar declares the periods not yet over.
const pipeline = definePipeline(config, region, deployClock());

export const queueUrls = pipeline.queueUrls;
export const deadLetterQueueUrls = pipeline.deadLetterQueueUrls;
export const landingBucket = pipeline.landingBucket;
export const workgroupEndpoint = pipeline.workgroupEndpoint;
export const workgroupName = pipeline.workgroupName;
export const migrationsHash = pipeline.migrationsHash;
export const alarmTopicArn = pipeline.alarmTopicArn;
export const dashboardUrls = pipeline.dashboardUrls;
export const verification = pipeline.verification;
