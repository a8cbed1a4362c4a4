/**
 * An AWS API that answers with something else than AWS's answer (issue 17): a proxy's HTML page, an
 * error code the service's model does not have. The message names the endpoint, never a permission
 * to grant. A real SDK client against a local HTTP server, so the SDK's own deserialization runs.
 */
import { strict as assert } from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import { GetDatabasesCommand } from "@aws-sdk/client-glue";
import { call, createAwsClients } from "../cli/aws";
import { isAccessDenied, renderError } from "../cli/errors";

describe("an AWS API answering with something else (issue 17)", () => {
    let server: http.Server;
    let endpoint: string;
    let reply = { status: 200, type: "text/plain", body: "" };
    const saved: Record<string, string | undefined> = {};
    const env: Record<string, string> = {
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret",
        AWS_REGION: "ap-southeast-2",
    };
    before(async () => {
        server = http.createServer((req, res) => {
            req.resume();
            req.on("end", () => res.writeHead(reply.status, { "content-type": reply.type }).end(reply.body));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        for (const [k, v] of Object.entries({ ...env, AWS_ENDPOINT_URL: endpoint, AWS_PROFILE: "" })) {
            saved[k] = process.env[k];
            if (v === "") delete process.env[k];
            else process.env[k] = v;
        }
    });
    after(async () => {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        await new Promise((resolve) => server.close(resolve));
    });

    const failure = async () => {
        const clients = createAwsClients({ region: "ap-southeast-2", retryMode: "standard", maxAttempts: 1 });
        return call("glue:GetDatabases", () => clients.glue.send(new GetDatabasesCommand({}))).then(
            () => assert.fail("expected the call to fail"),
            (err: unknown) => err,
        );
    };

    it("a proxy's HTML page (HTTP 403) is an unexpected response from the endpoint, not a permission to grant", async () => {
        reply = { status: 403, type: "text/html", body: "<html><body><h1>Blocked by the proxy</h1></body></html>" };
        const err = await failure();
        const text = renderError(err, { principal: "arn:aws:iam::222222222222:role/x" });
        assert.ok(
            text.startsWith(`unexpected response from ${endpoint} to glue:GetDatabases (HTTP 403, text/html`),
            text,
        );
        assert.match(text, /Fix: check where requests go \(AWS_ENDPOINT_URL, HTTPS_PROXY, --region\)/);
        assert.doesNotMatch(text, /grant|access denied|allow /i);
        assert.equal(isAccessDenied(err), false);
    });

    it("an error code the service's model does not have (HTTP 500) likewise", async () => {
        reply = {
            status: 500,
            type: "application/x-amz-json-1.1",
            body: JSON.stringify({ __type: "BrandNewException", message: "something new" }),
        };
        const text = renderError(await failure());
        assert.ok(text.startsWith(`unexpected response from ${endpoint} to glue:GetDatabases (HTTP 500`), text);
    });

    it("a modeled error stays what it is: AccessDeniedException still names the permission", async () => {
        reply = {
            status: 400,
            type: "application/x-amz-json-1.1",
            body: JSON.stringify({
                __type: "AccessDeniedException",
                message: "Insufficient Lake Formation permission(s)",
            }),
        };
        const text = renderError(await failure(), { principal: "arn:aws:iam::222222222222:role/x" });
        assert.match(
            text,
            /^access denied: .*Fix: grant arn:aws:iam::222222222222:role\/x the Lake Formation permission/,
        );
    });
});
