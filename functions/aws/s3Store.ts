/** S3 implementation of `ObjectStore` for the exports bucket. SDK `require`d inside the bodies. */
import type { S3Client } from "@aws-sdk/client-s3";
import { describeError, exportError } from "../errors";
import type { ObjectStore } from "../types";

export interface S3ObjectStoreOptions {
    readonly client: Pick<S3Client, "send">;
    readonly bucket: string;
}

export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
    const { client, bucket } = options;
    const failure = (action: string, key: string, err: unknown) =>
        exportError("STORE", `could not ${action} s3://${bucket}/${key}: ${describeError(err)}`, { retryable: false });
    return {
        name: "s3",
        uri: (key) => `s3://${bucket}/${key}`,
        async getText(key) {
            const { GetObjectCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
            try {
                const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
                if (!out.Body) return "";
                return await out.Body.transformToString("utf-8");
            } catch (err) {
                const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
                if (e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404) {
                    return undefined;
                }
                throw failure("read", key, err);
            }
        },
        async putText(key, text) {
            const { PutObjectCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
            try {
                await client.send(
                    new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: "application/json" }),
                );
            } catch (err) {
                throw failure("write", key, err);
            }
        },
        async deletePrefix(prefix) {
            const { ListObjectsV2Command, DeleteObjectsCommand } =
                require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
            if (!prefix.endsWith("/") || prefix.length < 2) {
                throw failure("clear", prefix, new Error("refusing a prefix that is not a folder ending with '/'"));
            }
            let deleted = 0;
            let token: string | undefined;
            try {
                do {
                    const page = await client.send(
                        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
                    );
                    const objects = (page.Contents ?? []).filter((o) => o.Key).map((o) => ({ Key: o.Key! }));
                    if (objects.length > 0) {
                        const out = await client.send(
                            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
                        );
                        if (out.Errors && out.Errors.length > 0) {
                            throw new Error(
                                `${out.Errors.length} object(s) not deleted, first ${out.Errors[0].Key}: ${out.Errors[0].Code} ${out.Errors[0].Message ?? ""}`.trim(),
                            );
                        }
                        deleted += objects.length;
                    }
                    token = page.IsTruncated ? page.NextContinuationToken : undefined;
                } while (token);
            } catch (err) {
                throw failure("clear", prefix, err);
            }
            return deleted;
        },
    };
}
