import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { accessLogDeliveryStatement, denyInsecureTransport } from "../lib/iam";

const ABORT_INCOMPLETE_UPLOADS: aws.types.input.s3.BucketLifecycleConfigurationRule = {
    id: "abort-incomplete-uploads",
    status: "Enabled",
    filter: {},
    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
};

export interface SecureBucketArgs {
    /** Exact bucket name. */
    readonly bucketName: string;
    /** Customer managed KMS key; SSE-S3 (AES256) when unset. */
    readonly kmsKeyArn?: string;
    /** Keep object versions. Default false. */
    readonly versioning?: boolean;
    /** The bucket's own lifecycle rules; every bucket also aborts incomplete uploads after a day. */
    readonly lifecycleRules: aws.types.input.s3.BucketLifecycleConfigurationRule[];
    /** Server access logging into this bucket, under this prefix. Default none. */
    readonly accessLogs?: { readonly bucket: pulumi.Input<string>; readonly prefix: string };
    /** This bucket receives the server access logs of these buckets of the account. */
    readonly receivesAccessLogsOf?: { readonly accountId: string; readonly bucketArns: readonly string[] };
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * An S3 bucket with the settings every bucket of the project needs: public access blocked,
 * ACLs disabled, default encryption, TLS-only bucket policy, and a lifecycle that also aborts
 * incomplete multipart uploads (UNLOAD and Athena write multipart).
 */
export class SecureBucket extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;
    public readonly bucketName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("connect-analytics:storage:SecureBucket", name, {}, opts);
        const parent = { parent: this };
        this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName, tags: { ...args.tags } }, parent);
        const bucket = this.bucket.id;

        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            {
                bucket,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            parent,
        );
        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
            parent,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: args.kmsKeyArn
                            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }
                            : { sseAlgorithm: "AES256" },
                        bucketKeyEnabled: args.kmsKeyArn ? true : undefined,
                    },
                ],
            },
            parent,
        );
        if (args.versioning) {
            new aws.s3.BucketVersioning(
                `${name}-versioning`,
                { bucket, versioningConfiguration: { status: "Enabled" } },
                parent,
            );
        }
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            { bucket, rules: [...args.lifecycleRules, ABORT_INCOMPLETE_UPLOADS] },
            parent,
        );
        // After the public access block, so the two never race on a fresh bucket.
        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            {
                bucket,
                policy: this.bucket.arn.apply((arn) => {
                    const logs = args.receivesAccessLogsOf;
                    const extra = logs ? [accessLogDeliveryStatement(arn, logs.bucketArns, logs.accountId)] : [];
                    return JSON.stringify(denyInsecureTransport(arn, extra));
                }),
            },
            { parent: this, dependsOn: [publicAccess] },
        );
        if (args.accessLogs) {
            new aws.s3.BucketLogging(
                `${name}-access-logs`,
                { bucket, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix },
                parent,
            );
        }

        this.bucketName = this.bucket.bucket;
        this.arn = this.bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }
}
