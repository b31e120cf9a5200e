// The policy pack: `pulumi preview --policy-pack policy` (from the project root).
import { PolicyPack } from '@pulumi/policy';
import { iamCatalogue } from './catalogue';
import { policies } from './rules';

new PolicyPack('bfstream-policies', { policies: [...policies, iamCatalogue], enforcementLevel: 'mandatory' });
