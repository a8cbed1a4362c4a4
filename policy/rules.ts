/**
 * Every rule of the `connect-analytics` policy pack, as exported constants. The pack
 * (`policy/index.ts`) serves this list; `npm run policy` and the tests run it through
 * `policy/harness.ts`. Importing this module starts nothing.
 */
import { Policies } from "@pulumi/policy";
import { iamNoWildcardOrUnscopedAllow, iamRoleTrustNoWildcardPrincipal, lambdaRoleTrustsOnlyLambda } from "./iam";
import {
    lakeformationGrantDeleteBeforeReplace,
    lakeformationGrantLeastPrivilege,
    lakeformationFilteredReaderNoTableSelect,
    lakeformationGrantNoReshare,
    lakeformationReadersTablesNoIamAllowedPrincipals,
    lakeformationSettingsNoIamAllowedPrincipals,
} from "./lakeFormation";
import {
    athenaWorkgroupEnforcedEncryptedWithCutoff,
    cloudwatchLogGroupRetention,
    lambdaFailureDestination,
    sqsQueueEncrypted,
    snsTopicEncryptedForAlarms,
    cloudwatchAlarmNotifies,
} from "./operations";
import { s3BucketEncrypted, s3BucketPublicAccessBlocked, s3BucketTlsOnly } from "./storage";

export * from "./iam";
export * from "./lakeFormation";
export * from "./operations";
export * from "./storage";

export const POLICY_PACK_NAME = "connect-analytics";

export const ALL_POLICIES: Policies = [
    iamNoWildcardOrUnscopedAllow,
    iamRoleTrustNoWildcardPrincipal,
    lambdaRoleTrustsOnlyLambda,
    lakeformationGrantLeastPrivilege,
    lakeformationGrantDeleteBeforeReplace,
    lakeformationGrantNoReshare,
    lakeformationFilteredReaderNoTableSelect,
    lakeformationReadersTablesNoIamAllowedPrincipals,
    lakeformationSettingsNoIamAllowedPrincipals,
    s3BucketPublicAccessBlocked,
    s3BucketEncrypted,
    s3BucketTlsOnly,
    athenaWorkgroupEnforcedEncryptedWithCutoff,
    cloudwatchLogGroupRetention,
    lambdaFailureDestination,
    sqsQueueEncrypted,
    snsTopicEncryptedForAlarms,
    cloudwatchAlarmNotifies,
];
