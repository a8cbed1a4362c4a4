/**
 * S3 rules: every bucket of the stack has its public access blocked, default encryption, and a
 * bucket policy that refuses requests not made over TLS. These are stack rules because in the
 * AWS provider each setting is its own resource (`BucketPublicAccessBlock`, ...) that names the
 * bucket in its `bucket` input; the `SecureBucket` component creates all of them.
 */
import { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import {
    asArray,
    companionsOf,
    IamStatement,
    isDeny,
    isWildcardPrincipal,
    parsePolicyDocument,
    statementLabel,
} from "./util";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"] as const;
export const PUBLIC_ACCESS_BLOCK_TYPES = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"] as const;
export const ENCRYPTION_TYPES = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
] as const;
export const BUCKET_POLICY_TYPES = ["aws:s3/bucketPolicy:BucketPolicy"] as const;

export const PUBLIC_ACCESS_FLAGS = [
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
] as const;
export const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"] as const;

/** A bucket's name: its `bucket` input (the plan), which is also its id (what companions pass). */
function bucketKeys(bucket: PolicyResource): () => unknown[] {
    return () => [bucket.props.bucket];
}

function forEachBucket(resources: readonly PolicyResource[], check: (bucket: PolicyResource) => void): void {
    for (const bucket of resources.filter((r) => (BUCKET_TYPES as readonly string[]).includes(r.type))) check(bucket);
}

export const s3BucketPublicAccessBlocked: StackValidationPolicy = {
    name: "s3-bucket-public-access-blocked",
    description: `Every S3 bucket has a BucketPublicAccessBlock with ${PUBLIC_ACCESS_FLAGS.join(", ")} all true.`,
    enforcementLevel: "mandatory",
    severity: "critical",
    validateStack: (args, report) =>
        forEachBucket(args.resources, (bucket) => {
            const blocks = companionsOf(
                bucket,
                args.resources,
                PUBLIC_ACCESS_BLOCK_TYPES,
                "bucket",
                bucketKeys(bucket),
            );
            if (blocks.length === 0) {
                report(
                    `bucket ${bucket.name} has no BucketPublicAccessBlock; add one with ${PUBLIC_ACCESS_FLAGS.join(", ")} true (or use SecureBucket).`,
                    bucket.urn,
                );
                return;
            }
            if (blocks.some((b) => PUBLIC_ACCESS_FLAGS.every((f) => b.props[f] === true))) return;
            for (const block of blocks) {
                const off = PUBLIC_ACCESS_FLAGS.filter((f) => block.props[f] !== true);
                report(
                    `bucket ${bucket.name}: public access block ${block.name} leaves ${off.join(", ")} off; all four must be true.`,
                    block.urn,
                );
            }
        }),
};

function encryptionAlgorithms(config: PolicyResource): string[] {
    return asArray<Record<string, any>>(config.props.rules)
        .map((rule) => rule?.applyServerSideEncryptionByDefault?.sseAlgorithm)
        .filter((a): a is string => typeof a === "string");
}

export const s3BucketEncrypted: StackValidationPolicy = {
    name: "s3-bucket-encrypted",
    description: `Every S3 bucket has a BucketServerSideEncryptionConfiguration with a default algorithm (${SSE_ALGORITHMS.join(", ")}).`,
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, report) =>
        forEachBucket(args.resources, (bucket) => {
            const configs = companionsOf(bucket, args.resources, ENCRYPTION_TYPES, "bucket", bucketKeys(bucket));
            if (configs.length === 0) {
                report(
                    `bucket ${bucket.name} has no BucketServerSideEncryptionConfiguration; add one (SSE-S3 or SSE-KMS), or use SecureBucket.`,
                    bucket.urn,
                );
                return;
            }
            if (
                configs.some((c) =>
                    encryptionAlgorithms(c).some((a) => (SSE_ALGORITHMS as readonly string[]).includes(a)),
                )
            ) {
                return;
            }
            for (const config of configs) {
                report(
                    `bucket ${bucket.name}: encryption configuration ${config.name} sets no default algorithm (${SSE_ALGORITHMS.join(", ")}).`,
                    config.urn,
                );
            }
        }),
};

/** `{"Bool": {"aws:SecureTransport": "false"}}`, in any of the forms IAM accepts. */
function deniesInsecureTransport(condition: IamStatement["Condition"]): boolean {
    for (const [operator, entries] of Object.entries(condition ?? {})) {
        if (!/^bool(ifexists)?$/i.test(operator) || !entries || typeof entries !== "object") continue;
        for (const [key, value] of Object.entries(entries)) {
            if (
                key.toLowerCase() === "aws:securetransport" &&
                asArray(value as unknown).some((v) => String(v).toLowerCase() === "false")
            ) {
                return true;
            }
        }
    }
    return false;
}

function coversAllActions(statement: IamStatement): boolean {
    return asArray(statement.Action).some((a) => a === "*" || String(a).toLowerCase() === "s3:*");
}

/** The statement's resources include the bucket and its objects (or everything). */
function coversBucket(statement: IamStatement, bucketName: unknown): boolean {
    const resources = asArray(statement.Resource).map(String);
    if (resources.includes("*")) return true;
    if (typeof bucketName !== "string" || bucketName === "") return resources.length > 0;
    const bucketArn = resources.some((r) => r.endsWith(`:::${bucketName}`));
    const objects = resources.some((r) => r.endsWith(`:::${bucketName}/*`));
    return bucketArn && objects;
}

/** Why a bucket policy is not a TLS-only policy for the bucket, or undefined when it is one. */
export function tlsOnlyProblem(document: unknown, bucketName: unknown): string | undefined {
    const parsed = parsePolicyDocument(document);
    if (!parsed.ok) return `its policy ${parsed.error}`;
    const candidates = parsed.statements.filter((s) => isDeny(s) && deniesInsecureTransport(s.Condition));
    if (candidates.length === 0) {
        return `its policy has no Deny statement with condition Bool aws:SecureTransport = false.`;
    }
    const good = candidates.find(
        (s) => isWildcardPrincipal(s.Principal) && coversAllActions(s) && coversBucket(s, bucketName),
    );
    if (good) return undefined;
    const s = candidates[0];
    const label = statementLabel(s, parsed.statements.indexOf(s));
    const missing: string[] = [];
    if (!isWildcardPrincipal(s.Principal)) missing.push('Principal "*"');
    if (!coversAllActions(s)) missing.push('Action "s3:*"');
    if (!coversBucket(s, bucketName)) missing.push(`Resource the bucket ARN and "<bucket ARN>/*"`);
    return `${label} denies insecure transport but not for everyone and everything: it needs ${missing.join(", ")}.`;
}

export const s3BucketTlsOnly: StackValidationPolicy = {
    name: "s3-bucket-tls-only",
    description:
        'Every S3 bucket has a bucket policy that denies s3:* to "*" on the bucket and its objects when aws:SecureTransport is false.',
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, report: ReportViolation) =>
        forEachBucket(args.resources, (bucket) => {
            const policies = companionsOf(bucket, args.resources, BUCKET_POLICY_TYPES, "bucket", bucketKeys(bucket));
            if (policies.length === 0) {
                report(
                    `bucket ${bucket.name} has no BucketPolicy; add one that denies requests with aws:SecureTransport false (or use SecureBucket).`,
                    bucket.urn,
                );
                return;
            }
            const problems = policies.map((p) => ({
                policy: p,
                problem: tlsOnlyProblem(p.props.policy, bucket.props.bucket),
            }));
            if (problems.some((p) => p.problem === undefined)) return;
            for (const { policy, problem } of problems) {
                report(`bucket ${bucket.name}: bucket policy ${policy.name}: ${problem}`, policy.urn);
            }
        }),
};
