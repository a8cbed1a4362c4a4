/**
 * S3 implementation of `ObjectStore` for the exports bucket. SDK `require`d inside the bodies.
 * Conditional writes (`putIf`) use If-None-Match: * (create only) or If-Match: <ETag> (replace
 * only that version); S3 answers 412 when the condition fails and 409 when a concurrent
 * conditional write to the key won (docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { describeError, exportError } from "../errors";
import type { ObjectStore } from "../types";

export interface S3ObjectStoreOptions {
    readonly client: Pick<S3Client, "send">;
    readonly bucket: string;
}

export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
    const { client, bucket } = options;
    const s3 = () => require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    const status = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    const fail = (action: string, key: string) => (err: unknown) => {
        throw exportError("STORE", `could not ${action} s3://${bucket}/${key}: ${describeError(err)}`);
    };
    const put = (key: string, text: string, condition = {}) =>
        client
            .send(
                new (s3().PutObjectCommand)({
                    Bucket: bucket,
                    Key: key,
                    Body: text,
                    ContentType: "application/json",
                    ...condition,
                }),
            )
            .then((out) => out.ETag ?? "");
    const getTagged = (key: string) =>
        client.send(new (s3().GetObjectCommand)({ Bucket: bucket, Key: key })).then(
            async (out) => ({ text: (await out.Body?.transformToString("utf-8")) ?? "", tag: out.ETag ?? "" }),
            (err) => (err?.name === "NoSuchKey" || status(err) === 404 ? undefined : fail("read", key)(err)),
        );
    const listKeys = async (prefix: string) => {
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const page = await client
                .send(new (s3().ListObjectsV2Command)({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
                .catch(fail("list", prefix));
            keys.push(...(page.Contents ?? []).map((o) => o.Key!));
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return keys;
    };
    return {
        name: "s3",
        uri: (key) => `s3://${bucket}/${key}`,
        getTagged,
        getText: async (key) => (await getTagged(key))?.text,
        putText: (key, text) => put(key, text).then(() => undefined, fail("write", key)),
        putIf: (key, text, ifTag) =>
            put(key, text, ifTag === undefined ? { IfNoneMatch: "*" } : { IfMatch: ifTag }).catch((err) =>
                status(err) === 412 || status(err) === 409 ? undefined : fail("conditionally write", key)(err),
            ),
        listKeys,
        async deletePrefix(prefix) {
            if (!/[^/]\/$/.test(prefix)) {
                fail("clear", prefix)(new Error("refusing a prefix that is not a folder ending with '/'"));
            }
            const keys = await listKeys(prefix);
            for (let i = 0; i < keys.length; i += 1000) {
                const out = await client
                    .send(
                        new (s3().DeleteObjectsCommand)({
                            Bucket: bucket,
                            Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
                        }),
                    )
                    .catch(fail("clear", prefix));
                const e = out.Errors?.[0];
                if (e) {
                    fail(
                        "clear",
                        prefix,
                    )(
                        new Error(
                            `${out.Errors!.length} object(s) not deleted, first ${e.Key}: ${e.Code} ${e.Message ?? ""}`,
                        ),
                    );
                }
            }
            return keys.length;
        },
    };
}
