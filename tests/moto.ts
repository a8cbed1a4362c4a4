/**
 * An independent AWS emulator for the integration tests: moto (`moto_server`, the Python package
 * `moto[server]`). Each test file starts its own server on a free port and stops it after; the
 * SDK clients point at it with `endpoint`, any keys, and the account of each call in moto's
 * `x-moto-account-id` header (two accounts, producer and consumer, in one server).
 *
 * Where moto is not installed the tests are skipped with one line saying how to get it; with
 * REQUIRE_MOTO=1 (set by .ci/run) a missing moto fails instead, so CI never skips silently.
 *
 * moto answers with the real APIs' validation where it implements them. What moto 5.2.1 does not
 * serve stays with aws-sdk-client-mock: RAM invitations and shares, CloudTrail LookupEvents, Glue
 * CreateTable by `Name` with `CreateIcebergTableInput` and UpdateTable with
 * `UpdateOpenTableFormatInput` (both answer 500: moto reads `TableInput.Name`), resource links'
 * columns (GetTable on a link returns the link, not its target's columns), and Lake Formation data
 * cells filters (ListDataCellsFilter always returns none; no CreateDataCellsFilter).
 */
import { skipBecause } from "./skips";
import { ChildProcess, spawn } from "child_process";
import * as http from "http";
import * as net from "net";
import type { AwsCredentialIdentity } from "@aws-sdk/types";

/** How to get moto, in the one line a skipped suite prints. */
export const MOTO_HINT = "pip install 'moto[server]'";

// As cli/bin.js does: the SDK's notice about future Node versions is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const MOTO_REGION = "us-east-1";
export const MOTO_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: "testing", secretAccessKey: "testing" };

export interface Moto {
    /** http://127.0.0.1:<port> */
    readonly endpoint: string;
    /** Forgets every resource (POST /moto-api/reset). */
    reset(): Promise<void>;
    stop(): Promise<void>;
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

function request(url: string, method = "GET"): Promise<number> {
    return new Promise((resolve) => {
        const req = http.request(url, { method, timeout: 2000 }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", () => resolve(0));
        req.on("timeout", () => {
            req.destroy();
            resolve(0);
        });
        req.end();
    });
}

/** Starts `moto_server` on a free port; undefined (with the reason) when moto is not installed. */
export async function startMoto(): Promise<Moto | { missing: string }> {
    const command = process.env.MOTO_SERVER ?? "moto_server";
    const port = await freePort();
    let child: ChildProcess;
    let exited: string | undefined;
    let stderr = "";
    try {
        child = spawn(command, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
        return { missing: `${command}: ${(err as Error).message}` };
    }
    child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on("error", (err) => (exited = `${command}: ${err.message}`));
    child.on("exit", (code) => (exited ??= `${command} exited with ${code}: ${stderr.trim().split("\n").pop()}`));
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    while (!exited && Date.now() < deadline) {
        if ((await request(`${endpoint}/moto-api/`)) === 200) {
            return {
                endpoint,
                reset: async () => void (await request(`${endpoint}/moto-api/reset`, "POST")),
                stop: () =>
                    new Promise<void>((resolve) => {
                        if (child.exitCode !== null) return resolve();
                        child.once("exit", () => resolve());
                        child.kill("SIGTERM");
                    }),
            };
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    return { missing: exited ?? `${command} did not answer on ${endpoint} within 20 s` };
}

/**
 * SDK client settings for moto, in `account` (moto's `x-moto-account-id` header): pass to any
 * client constructor, then `inAccount(client, account)`.
 */
export function motoConfig(moto: Moto) {
    return {
        endpoint: moto.endpoint,
        region: MOTO_REGION,
        credentials: MOTO_CREDENTIALS,
        forcePathStyle: true,
        maxAttempts: 1,
    };
}

/** Makes every call of `client` act in `account` (moto serves many accounts from one server). */
export function inAccount<C extends { middlewareStack: { add: (...a: any[]) => void } }>(
    client: C,
    account: string,
): C {
    client.middlewareStack.add(
        (next: (args: any) => Promise<unknown>) => async (args: any) => {
            if (args.request?.headers) args.request.headers["x-moto-account-id"] = account;
            return next(args);
        },
        { step: "build", name: "motoAccount" },
    );
    return client;
}

/**
 * A mocha suite against moto: starts the server before its tests and stops it after; without
 * moto, one line says how to get it and the suite is skipped (REQUIRE_MOTO=1: it fails).
 */
export function describeWithMoto(title: string, body: (moto: () => Moto) => void): void {
    describe(title, function () {
        let moto: Moto | undefined;
        before(async function () {
            this.timeout(30_000);
            const started = await startMoto();
            if ("missing" in started) {
                if (process.env.REQUIRE_MOTO === "1") {
                    throw new Error(`moto is required (REQUIRE_MOTO=1) but ${started.missing}; ${MOTO_HINT}`);
                }
                skipBecause(this, `no moto (${started.missing}); to run them: ${MOTO_HINT}`);
            }
            moto = started as Moto;
        });
        after(async () => moto?.stop());
        body(() => moto!);
    });
}
